"""User journeys through the real widgets: palette drops, port drags, live errors, freezing, undo, files."""

from __future__ import annotations

import itertools

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from app.conversion import to_model
from tests.app.helpers import drag_connect, drop_from_palette, node_named


def test_demo_model_is_valid_and_summarised(window):
    assert window.doc.analysis.ok
    assert [n.name for n in window.doc.nodes.values()] == ["pixels", "flatten", "hidden", "dropout", "digit"]
    assert window.canvas.nodes[node_named(window, "hidden").id].spec.shape == "(None, 64)"
    assert "4,810" in window.summary.footer.text()
    assert window.summary.cell_text(2, 2) == "4,160"


def test_drop_from_palette_creates_node_at_drop_point(window, qtbot):
    before = len(window.doc.nodes)
    drop_from_palette(window, "Dense", 400.0, 100.0)
    assert len(window.doc.nodes) == before + 1
    node = list(window.doc.nodes.values())[-1]
    assert node.class_name == "Dense"
    assert abs(node.x - 400.0) < 2 and abs(node.y - 100.0) < 2
    item = window.canvas.nodes[node.id]
    assert abs(item.pos().x() - 400.0) < 2
    # not connected yet: the engine is never asked, the node says what is missing
    assert "has no input" in item.spec.error


def test_connect_ports_by_dragging(window):
    drop_from_palette(window, "Dense", 300.0, 600.0)
    dense = list(window.doc.nodes.values())[-1]
    drag_connect(window, node_named(window, "digit").id, dense.id)
    assert any(e.source == node_named(window, "digit").id and e.target == dense.id for e in window.doc.edges)
    assert window.canvas.nodes[dense.id].spec.error is None
    assert window.canvas.nodes[dense.id].spec.shape == "(None, 32)"
    assert window.doc.analysis.ok


def test_invalid_connection_turns_red_with_engine_message_then_fix(window, qtbot):
    drop_from_palette(window, "Conv2D", 300.0, 100.0)
    conv = list(window.doc.nodes.values())[-1]
    pixels = node_named(window, "pixels")
    drag_connect(window, pixels.id, conv.id)
    item = window.canvas.nodes[conv.id]
    message = item.spec.error
    assert message and conv.name in message and "(None, 8, 8)" in message  # the engine's own message
    assert item.toolTip() == message
    assert window.problems.count() == 1 and message in window.problems.item(0).text()
    window.canvas.select_keys([])
    window.problems.itemClicked.emit(window.problems.item(0))  # clicking a problem selects the node
    assert window.canvas.selected_keys() == [conv.id]
    # fix it in the inspector: give the input a channel axis
    window.canvas.select_keys([pixels.id])
    qtbot.wait(1)
    editor = window.form.editors["shape"]
    editor.setText("8, 8, 1")
    editor.editingFinished.emit()
    assert window.canvas.nodes[conv.id].spec.error is None
    assert window.canvas.nodes[conv.id].spec.shape == "(None, 6, 6, 32)"
    # flatten now sees a 3-D output: Dense after it still works, the model stays valid
    assert window.doc.analysis.ok


def test_inspector_validates_as_you_type_with_engine_messages(window, qtbot):
    hidden = node_named(window, "hidden")
    window.canvas.select_keys([hidden.id])
    qtbot.wait(1)
    depth = window.stack.count()
    window.form.editors["units"].setValue(0)
    assert window.form.error.isVisible() and "units must be a positive integer" in window.form.error.text()
    assert window.stack.count() == depth and hidden.config["units"] == 64
    window.form.editors["units"].setValue(128)
    assert hidden.config["units"] == 128
    assert "Parameters: 8,320" in window.form.footer.text() or (qtbot.wait(5) or "8,320" in window.form.footer.text())
    combo = window.form.editors["activation"]
    combo.activated.emit(combo.findText("tanh"))
    assert hidden.config["activation"] == "tanh"
    assert window.canvas.nodes[hidden.id].spec.detail == "128 · tanh"


def test_freeze_and_unfreeze_a_selection(window, qtbot):
    ids = [node_named(window, "hidden").id, node_named(window, "digit").id]
    window.canvas.select_keys(ids)
    window.set_selection_trainable(False)
    assert all(window.canvas.nodes[i].spec.locked for i in ids)
    assert "Trainable:</b> 0" in window.summary.footer.text()
    assert "Non-trainable:</b> 4,810" in window.summary.footer.text()
    assert window.summary.cell_text(2, 3) == "frozen"
    model = to_model(window.doc)
    assert not model.get_layer("hidden").trainable and len(model.trainable_weights) == 0
    window.stack.undo()
    assert not any(window.canvas.nodes[i].spec.locked for i in ids)
    window.stack.redo()
    window.canvas.select_keys([ids[0]])
    window.set_selection_trainable(True)
    assert not window.canvas.nodes[ids[0]].spec.locked and window.canvas.nodes[ids[1]].spec.locked


def test_undo_redo_twenty_edits_restores_each_document(window, qtbot):
    doc = window.doc
    snapshots = [doc.structure()]

    def record():
        snapshots.append(doc.structure())

    hidden = node_named(window, "hidden")
    added = []
    for i in range(4):  # 4 palette double-clicks after the selection
        window.canvas.select_keys([hidden.id])
        window.add_after_selection(["Dense", "Dropout", "ReLU", "LayerNormalization"][i])
        added.append(window.canvas.selected_keys()[0])
        record()
    for units in (16, 24, 48):  # 3 inspector edits
        window.canvas.select_keys([hidden.id])
        qtbot.wait(1)
        window.form.editors["units"].setValue(units)
        record()
    for step in range(3):  # 3 moves
        window.canvas_controller._on_moved([(hidden.id, hidden.x, hidden.y, hidden.x + 10, hidden.y + step)])
        record()
    for name in ("dropout", "digit"):  # 2 freezes
        window.canvas.select_keys([node_named(window, name).id])
        window.set_selection_trainable(False)
        record()
    drop_from_palette(window, "Dense", 500, 0)  # 1 drop
    record()
    extra = list(doc.nodes.values())[-1]
    drag_connect(window, node_named(window, "pixels").id, extra.id)  # 1 connection
    record()
    for node_id in added[2:]:  # 2 deletes
        window.canvas.select_keys([node_id])
        window.delete_selection()
        record()
    window.canvas.select_keys([extra.id])
    window.duplicate()  # 1 duplicate
    record()
    window.auto_layout()  # 1 layout
    record()
    window.canvas.select_keys([node_named(window, "flatten").id])
    window.copy()
    window.paste()  # 1 paste
    record()
    window.canvas.select_keys([extra.id])
    qtbot.wait(1)
    window.form.editors["use_bias"].setChecked(False)  # 1 checkbox
    record()
    assert window.stack.count() == 20
    assert all(a != b for a, b in itertools.pairwise(snapshots))
    for expected in reversed(snapshots[:-1]):
        window.stack.undo()
        assert doc.structure() == expected
    for expected in snapshots[1:]:
        window.stack.redo()
        assert doc.structure() == expected
    # the canvas mirrors the document after all that
    assert set(window.canvas.nodes) == set(doc.nodes)
    assert len(window.canvas.edges) == len(doc.edges)


def test_save_h5_and_reopen_gives_the_same_model(window, tmp_path):
    window.doc.nodes[node_named(window, "hidden").id].x = 123.0
    model = to_model(window.doc)
    for layer in model.layers:  # keep the built weights in the document, as after an Open
        node = window.doc.node_by_name(layer.name)
        if layer.weights:
            window.doc.set_weights(node.id, layer.get_weights())
    path = tmp_path / "digits.h5"
    assert window.save_to(path)
    assert window.stack.isClean() and "digits.h5" in window.windowTitle()
    from app.main_window import MainWindow

    other = MainWindow()
    other.confirm_discard = lambda: True
    assert other.open_path(path)
    reopened = to_model(other.doc)
    rows = [[other.summary.cell_text(r, c) for c in range(5)] for r in range(other.summary.table.rowCount())]
    assert rows == [[window.summary.cell_text(r, c) for c in range(5)] for r in range(window.summary.table.rowCount())]
    x = np.random.default_rng(0).random((4, 8, 8)).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), reopened.predict(x, verbose=0))
    assert other.doc.node_by_name("hidden").x == 123.0  # the layout came back from the extra attribute
    other.close()


def test_tab_opens_quick_add_search(window, qtbot):
    window.canvas.setFocus()
    window.canvas.select_keys([node_named(window, "digit").id])
    popup_before = len(window.doc.nodes)
    QTest.keyClick(window.canvas, Qt.Key.Key_Tab)
    popup = window._quick_add
    assert popup.isVisible()
    QTest.keyClicks(popup.search, "softm")
    assert popup.list.item(0).text() == "Softmax"
    QTest.keyClick(popup.search, Qt.Key.Key_Return)
    assert len(window.doc.nodes) == popup_before + 1
    added = list(window.doc.nodes.values())[-1]
    assert added.class_name == "Softmax"
    assert window.doc.inbound(added.id)[0].source == node_named(window, "digit").id


def test_templates_open_valid(window):
    from app.templates import available_templates

    for template in available_templates():
        window.open_template(template)
        assert window.doc.analysis.ok, (template.title, window.doc.analysis.problems)
        assert window.stack.count() == 0
        assert set(window.canvas.nodes) == set(window.doc.nodes)


def test_freeze_from_the_context_menu_and_double_click_to_edit(window, qtbot):
    from PySide6.QtCore import QPoint

    dropout = node_named(window, "dropout")
    hidden = node_named(window, "hidden")
    window.canvas.contextMenuRequested.emit([hidden.id], QPoint(10, 10))
    menu = window._menu
    next(a for a in menu.actions() if a.text() == "Freeze").trigger()
    menu.close()
    assert window.canvas.nodes[hidden.id].spec.locked and not hidden.trainable
    window.canvas.nodeDoubleClicked.emit(dropout.id)
    qtbot.wait(1)
    assert window.form.title.text() == "dropout" and "rate" in window.form.editors


def test_stateful_models_show_a_required_batch_size(window, qtbot):
    from app.templates import TEMPLATES

    template = next(t for t in TEMPLATES if t.title == "Stateful LSTM")
    if not template.available():
        return
    window.open_template(template)
    window.canvas.select_keys([])
    window.inspector.show([])
    qtbot.wait(1)
    editor = window.form.editors["model_batch_size"]
    assert editor.value() == 32
    editor.setValue(editor.minimum())  # None: the stateful layers turn red with the reason
    assert any("fixed batch size" in p.message for p in window.doc.analysis.problems)
    qtbot.wait(1)
    window.form.editors["model_batch_size"].setValue(8)
    assert window.doc.analysis.ok
    assert window.doc.node_by_name("chunk").config["batch_input_shape"][0] == 8


def test_notes_and_colours_are_undoable_and_saved_with_the_layout(window, qtbot, monkeypatch, tmp_path):
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QInputDialog

    hidden = node_named(window, "hidden")
    monkeypatch.setattr(QInputDialog, "getMultiLineText", lambda *a, **k: ("widest layer", True))
    window.canvas.contextMenuRequested.emit([hidden.id], QPoint(10, 10))
    next(a for a in window._menu.actions() if a.text() == "Edit Note…").trigger()
    colour_menu = next(a.menu() for a in window._menu.actions() if a.text() == "Colour")
    next(a for a in colour_menu.actions() if a.text() == "Purple").trigger()
    window._menu.close()
    spec = window.canvas.nodes[hidden.id].spec
    assert hidden.note == "widest layer" and spec.accent == "#b083f0" and "note" in spec.badge
    assert "widest layer" in spec.tooltip
    path = tmp_path / "notes.h5"
    assert window.save_to(path)
    assert window.open_path(path)
    reopened = node_named(window, "hidden")
    assert (reopened.note, reopened.color) == ("widest layer", "#b083f0")
    assert window.stack.count() == 0  # the history restarts after Open


def test_note_edit_undo(window):
    hidden = node_named(window, "hidden")
    window.set_colour([hidden.id], "#57ab5a")
    assert window.canvas.nodes[hidden.id].spec.accent == "#57ab5a"
    window.stack.undo()
    assert hidden.color == "" and window.canvas.nodes[hidden.id].spec.accent != "#57ab5a"
