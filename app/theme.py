"""Dark (default) and light themes: a Qt style sheet plus the canvas colours."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from widgets import CanvasPalette

STYLES = Path(__file__).resolve().parent.parent / "resources" / "styles"

CANVAS = {
    "dark": CanvasPalette(),
    "light": CanvasPalette(
        background="#fbfbfc",
        grid="#eef0f3",
        node="#ffffff",
        node_border="#c9ced8",
        text="#1f2329",
        muted_text="#5b6472",
        shape_text="#1f7a45",
        error="#d1352b",
        selection="#d48806",
        edge="#8a94a6",
        port="#5b6472",
    ),
}

# Accent strip colour of each palette group.
GROUP_COLORS = {
    "Input": "#8fd0a8",
    "Core": "#5b8def",
    "Convolution": "#c678dd",
    "Pooling": "#56b6c2",
    "Recurrent": "#e5c07b",
    "Normalization": "#d19a66",
    "Regularization": "#98a2b3",
    "Merge": "#f07178",
    "Reshape": "#61afef",
    "Activation": "#e06c9f",
    "Custom": "#b5bd68",
}


def apply_theme(app: QApplication, name: str) -> CanvasPalette:
    """Set the application style sheet; returns the canvas colours for ``name`` ('dark' or 'light').

    Applying the theme already in place does nothing: each ``setStyle``/``setStyleSheet`` re-polishes every
    widget of the application, and each new main window applies the remembered theme once it is built.
    """
    sheet = (STYLES / f"{name}.qss").read_text(encoding="utf-8")
    if app.property("strataTheme") != name or app.styleSheet() != sheet:
        app.setStyle("Fusion")
        app.setStyleSheet(sheet)
        app.setProperty("strataTheme", name)
    return CANVAS[name]
