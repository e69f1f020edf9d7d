"""Strata Studio: the desktop application that joins the engine and the widgets (``python -m app``)."""
