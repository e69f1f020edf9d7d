"""Reusable Qt pieces that know nothing of the engine or the app: canvas, palette, forms, tables."""

from widgets.node_canvas import CanvasPalette, NodeCanvas, NodeSpec
from widgets.palette import MIME_TYPE, PaletteWidget, mime_data_for
from widgets.problems import ProblemsList
from widgets.property_form import PropertyForm
from widgets.quick_add import QuickAddPopup
from widgets.summary_table import SummaryTable

__all__ = [
    "MIME_TYPE",
    "CanvasPalette",
    "NodeCanvas",
    "NodeSpec",
    "PaletteWidget",
    "ProblemsList",
    "PropertyForm",
    "QuickAddPopup",
    "SummaryTable",
    "mime_data_for",
]
