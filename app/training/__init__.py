"""The training dashboard: data, settings, a background run with live curves, and looking inside the model.

This package's ``__init__`` stays Qt-free so the headless ``strata-train`` can use its Qt-free modules.
"""
