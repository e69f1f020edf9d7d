"""The node canvas on its own: neutral specs in, user intents out."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QPainterPathStroker
from PySide6.QtTest import QTest

from widgets import NodeCanvas, NodeSpec


def _canvas(qtbot) -> NodeCanvas:
    canvas = NodeCanvas()
    qtbot.addWidget(canvas)
    canvas.resize(800, 600)
    canvas.show()
    qtbot.waitExposed(canvas)
    canvas.set_node(NodeSpec(1, "input", "InputLayer", inputs=0, shape="(None, 4)"), 0, 0)
    canvas.set_node(NodeSpec(2, "dense", "Dense", detail="8 · relu", shape="(None, 8)"), 0, 150)
    canvas.set_node(NodeSpec(3, "add", "Add", inputs=3), 250, 300)
    canvas.resetTransform()
    canvas.centerOn(100, 150)
    return canvas


def test_drag_from_output_to_input_port_requests_a_connection(qtbot):
    canvas = _canvas(qtbot)
    start = canvas.mapFromScene(canvas.port_scene_pos(1, True, 0))
    end = canvas.mapFromScene(canvas.port_scene_pos(3, False, 2))
    with qtbot.waitSignal(canvas.connectRequested) as blocker:
        QTest.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
        QTest.mouseMove(canvas.viewport(), QPoint(end.x(), end.y() - 30))
        QTest.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    assert blocker.args == [1, 0, 3, 2]


def test_edges_follow_nodes_and_port_changes(qtbot):
    canvas = _canvas(qtbot)
    canvas.add_edge("e", 1, 0, 2, 0)
    before = canvas.edges["e"].path().pointAtPercent(1.0)
    canvas.move_node(2, 40, 200)
    after = canvas.edges["e"].path().pointAtPercent(1.0)
    assert after.x() - before.x() == 40 and after.y() - before.y() == 50
    canvas.add_edge("f", 2, 0, 3, 1)
    canvas.set_node(NodeSpec(3, "add", "Add", inputs=2))  # fewer ports: the edge is re-attached
    assert canvas.edges["f"].target.index == 1


def test_delete_key_reports_selection(qtbot):
    canvas = _canvas(qtbot)
    canvas.add_edge("e", 1, 0, 2, 0)
    canvas.select_keys([2])
    canvas.setFocus()
    with qtbot.waitSignal(canvas.deleteRequested) as blocker:
        QTest.keyClick(canvas, Qt.Key.Key_Delete)
    assert blocker.args == [[2], []]


def test_error_nodes_show_the_message_as_tooltip(qtbot):
    canvas = _canvas(qtbot)
    canvas.set_node(NodeSpec(2, "dense", "Dense", error="Layer 'dense' expects rank 2."))
    assert canvas.nodes[2].toolTip() == "Layer 'dense' expects rank 2."


def test_wheel_zooms_and_fit_shows_everything(qtbot):
    canvas = _canvas(qtbot)
    canvas.zoom(2.0)
    assert abs(canvas.transform().m11() - 2.0) < 1e-6
    canvas.zoom(100.0)
    assert canvas.transform().m11() <= 3.0
    canvas.fit_all()
    view = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    for item in canvas.nodes.values():
        assert view.contains(item.sceneBoundingRect())


def test_moving_a_node_with_the_mouse_reports_old_and_new_positions(qtbot):
    canvas = _canvas(qtbot)
    title = canvas.mapFromScene(canvas.nodes[2].scenePos())
    with qtbot.waitSignal(canvas.nodesMoved) as blocker:
        QTest.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, title)
        QTest.mouseMove(canvas.viewport(), title + QPoint(30, 10))
        QTest.mouseMove(canvas.viewport(), title + QPoint(60, 20))
        QTest.mouseRelease(
            canvas.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, title + QPoint(60, 20)
        )
    key, old_x, old_y, new_x, new_y = blocker.args[0][0]
    assert key == 2 and (old_x, old_y) == (0, 150) and new_x > old_x


def test_a_long_edge_runs_around_the_boxes_in_its_way(qtbot):
    """A skip connection (input -> a node three rows down, a box between them) detours to the right of that box."""
    canvas = _canvas(qtbot)
    canvas.set_node(NodeSpec(4, "merge", "Add", inputs=2), 0, 450)
    canvas.add_edge("skip", 1, 0, 4, 0)
    qtbot.wait(10)  # the deferred re-route pass
    dense_box = canvas.nodes[2].sceneBoundingRect()
    route = canvas.edges["skip"].path()
    stroker = QPainterPathStroker()
    stroker.setWidth(2)
    assert not stroker.createStroke(route).intersects(dense_box)  # the line itself, not the area it encloses
    assert route.boundingRect().right() > dense_box.right()
    assert route.pointAtPercent(0.0) == canvas.port_scene_pos(1, True, 0)
    assert route.pointAtPercent(1.0) == canvas.port_scene_pos(4, False, 0)
    canvas.move_node(2, -600, 150)  # the box moves out of the way: the edge straightens after the re-route
    qtbot.wait(10)
    assert canvas.edges["skip"].path().boundingRect().right() < 50  # a plain curve again, no lane to the right
