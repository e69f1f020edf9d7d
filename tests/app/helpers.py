"""Driving the real canvas: drops with palette mime data, port drags with the mouse."""

from __future__ import annotations

import warnings

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def drop_from_palette(win, class_name: str, scene_x: float, scene_y: float) -> None:
    """Drag ``class_name`` out of the palette (its real mime data) and drop it on the canvas at a scene point."""
    item = win.palette.item_for(class_name)
    assert item is not None, f"{class_name} is not in the palette"
    mime = win.palette.tree.mimeData([item])
    view_pos = win.canvas.mapFromScene(QPointF(scene_x, scene_y))
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    viewport = win.canvas.viewport()
    with warnings.catch_warnings():  # PySide flags the QPoint constructors, the only ones Qt 6 has
        warnings.simplefilter("ignore", DeprecationWarning)
        enter = QDragEnterEvent(view_pos, *args)
        assert QApplication.sendEvent(viewport, enter) and enter.isAccepted(), "the canvas refused the drag"
        QApplication.sendEvent(viewport, QDragMoveEvent(view_pos, *args))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(view_pos), *args))


def drag_connect(win, source_id: int, target_id: int, target_port: int = 0) -> None:
    """Press on the source's output port and release on the target's input port."""
    canvas = win.canvas
    start = canvas.mapFromScene(canvas.port_scene_pos(source_id, True, 0))
    end = canvas.mapFromScene(canvas.port_scene_pos(target_id, False, target_port))
    canvas.ensureVisible(canvas.nodes[source_id])
    start = canvas.mapFromScene(canvas.port_scene_pos(source_id, True, 0))
    end = canvas.mapFromScene(canvas.port_scene_pos(target_id, False, target_port))
    QTest.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    QTest.mouseMove(canvas.viewport(), QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    QTest.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)


def node_named(win, name: str):
    node = win.doc.node_by_name(name)
    assert node is not None, f"no node named {name}"
    return node
