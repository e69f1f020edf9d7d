"""Training from the studio window: Train menu, dock, undo, save and reopen with settings and history, close."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from app.templates import TEMPLATES

TIMEOUT = 60_000
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"


def _menu_action(window, text: str):
    return next(a for a in window.train_menu.actions() if a.text() == text)


def _prepare(board, epochs: int = 3) -> None:
    board.data_panel.choose_example("Digits (8x8 images)")
    board.settings_form.epochs.setValue(epochs)
    board.settings_form.batch_size.setValue(64)
    board.settings_form.seed.setValue(2)


def test_train_menu_dock_undo_save_and_reopen(qtbot, window, tmp_path):
    window.open_template(TEMPLATES[0])  # the digits MLP
    board = window.training
    assert not window.training_dock.isVisible()
    _menu_action(window, "Show Training &Dashboard").trigger()
    assert window.training_dock.isVisible()
    assert [a.text() for a in window.menuBar().actions()][-2:] == ["T&rain", "&Help"]
    _prepare(board)
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT) as finished:
        _menu_action(window, "&Start Training").trigger()
    assert finished.args[0]["reason"] == "completed"
    assert board.charts.loss.drawn_count("loss") == 3
    trained = window.doc.node_by_name("hidden").weights[0].copy()
    assert not window.stack.isClean() and window.stack.undoText().startswith("Train")
    window.stack.undo()
    assert window.doc.node_by_name("hidden").weights is None  # the template had no weights
    window.stack.redo()
    np.testing.assert_array_equal(window.doc.node_by_name("hidden").weights[0], trained)

    path = tmp_path / "digits.h5"
    assert window.save_to(path)
    board.settings_form.epochs.setValue(9)
    assert window.open_path(path)
    assert board.settings_form.epochs.value() == 3 and board.settings_form.seed.value() == 2
    assert len(window.doc.training_extras["history"]["val_loss"]) == 3
    from app.files import open_document
    from app.training.dashboard import TrainingDashboard

    fresh = TrainingDashboard(open_document(path))  # a new session lists the saved run for comparison
    qtbot.addWidget(fresh)
    saved = fresh.runs_panel.runs[-1]
    assert saved.reason == "saved" and saved.epochs_run == 3 and fresh.settings_form.epochs.value() == 3
    np.testing.assert_array_equal(window.doc.node_by_name("hidden").weights[0], trained)
    assert window.doc.training_config["loss"] == "sparse_categorical_crossentropy"
    # Training again continues from the saved weights and optimizer state.
    board.data_panel.choose_example("Digits (8x8 images)")
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT):
        board.start(epochs=1)
    steps = -(-int(1797 * 0.8) // 64)
    assert board.model.optimizer.iterations == 4 * steps


def test_closing_during_training_asks_then_stops_cleanly(qtbot, window, monkeypatch):
    board = window.training
    _prepare(board, epochs=1000)
    from app.training.integration import CloseGuard

    answers = iter([False, True])
    monkeypatch.setattr(CloseGuard, "ask", lambda self: next(answers))
    with qtbot.waitSignal(board.threadLaunching, timeout=TIMEOUT) as launching:
        board.start()
    thread = launching.args[0]
    with qtbot.waitSignal(board.epochShown, timeout=TIMEOUT):
        pass
    assert not window.close()  # "No": the window stays, training goes on
    assert board.is_training()
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT) as finished:
        assert window.close()  # "Yes": stop after the current batch, then close
        assert not thread.isRunning()
    assert finished.args[0]["reason"] == "stopped"


def test_screenshots_mid_training_and_after(qtbot, window):
    """Keeps artifacts/training_window_mid.png and training_window_after.png to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    board = window.training
    _menu_action(window, "Show Training &Dashboard").trigger()
    _prepare(board, epochs=12)
    board.settings_form.inference_loss.setChecked(True)
    board.threadLaunching.connect(
        lambda t: t.epochEnded.connect(lambda p: p["epoch"] == 5 and t.pause(), Qt.ConnectionType.DirectConnection)
    )
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT):
        with qtbot.waitSignal(board.pauseShown, timeout=TIMEOUT):
            board.start()
        board.charts.drain()
        assert window.grab().save(str(ARTIFACTS / "training_window_mid.png"))
        board.toggle_pause()
    board.charts.drain()
    assert window.grab().save(str(ARTIFACTS / "training_window_after.png"))


def test_freezing_in_the_design_after_a_run_is_explained(qtbot, window):
    board = window.training
    _menu_action(window, "Show Training &Dashboard").trigger()
    _prepare(board, epochs=1)
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT):
        board.start()
    window.canvas.select_keys([window.doc.node_by_name("hidden").id])
    window.set_selection_trainable(False)
    findings = board.run_checks()
    note = next(f for f in findings if f.code == "trainable_changed")
    assert "frozen: hidden" in note.message and "takes effect now" in note.message
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT):
        board.start()
    assert not board.model.get_layer("hidden").trainable
    assert "hidden" not in board.charts.gradients.series


def test_selecting_a_node_picks_its_layer_output(qtbot, window):
    board = window.training
    _menu_action(window, "Show Training &Dashboard").trigger()
    _prepare(board, epochs=1)
    board.run_checks()
    window.canvas.select_keys([window.doc.node_by_name("digit").id])
    assert board.inside.layer.currentText() == "digit"
    assert board.inside.show_output().shape == (10,)
