"""The training dashboard as a user drives it: data, settings, a background run, pause/stop, checks, insides."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

TIMEOUT = 60_000
DIGITS = "Digits (8x8 images)"


def _prepare(board, epochs: int = 3, batch_size: int = 64, validation: float = 0.2):
    board.data_panel.choose_example(DIGITS)
    form = board.settings_form
    form.epochs.setValue(epochs)
    form.batch_size.setValue(batch_size)
    form.validation_split.setValue(validation)
    form.seed.setValue(1)


def _train(qtbot, board, **kwargs):
    with qtbot.waitSignal(board.runFinished, timeout=TIMEOUT) as blocker:
        assert board.start(**kwargs)
    return blocker.args[0]


def test_train_three_epochs_shows_curves_with_the_right_points(qtbot, dashboard):
    _prepare(dashboard)
    assert dashboard.data_panel.data.samples == 1797
    assert "Fits the model" in dashboard.data_panel.fit_label.text()
    result = _train(qtbot, dashboard)
    assert result["reason"] == "completed" and result["epochs_run"] == 3
    charts = dashboard.charts
    charts.drain()
    steps = -(-int(1797 * 0.8) // 64)
    assert charts.loss.drawn_count("batch") == 3 * steps
    assert charts.loss.drawn_count("smooth") == 3 * steps
    assert charts.loss.drawn_count("loss") == 3 and charts.loss.drawn_count("val_loss") == 3
    assert charts.loss.points("loss")[0] == [1.0, 2.0, 3.0]
    assert {"accuracy", "val_accuracy"} <= set(charts.metrics.series)
    assert charts.metrics.drawn_count("val_accuracy") == 3
    assert set(charts.gradients.series) == {"hidden", "digit"}
    assert charts.gradients.log_box.isChecked()  # vanishing/exploding gradients read best on a log scale
    grad_points = charts.gradients.points("hidden")[1]
    charts.norm_kind.setCurrentIndex(1)  # weight norms
    assert set(charts.gradients.series) == {"hidden", "digit"} and charts.gradients.drawn_count("hidden") == 3
    assert charts.gradients.points("hidden")[1] != grad_points
    charts.norm_kind.setCurrentIndex(0)
    assert charts.lr.drawn_count("lr") == 1 + 3  # drawn as steps: the start and each epoch end
    assert dashboard.epoch_bar.value() == 3 and dashboard.batch_bar.value() == steps
    assert "samples/s" in dashboard.speed_label.text() and "ETA" in dashboard.speed_label.text()
    assert any("Epoch 3/3" in message for _, message in dashboard.log.lines)
    run = dashboard.runs_panel.runs[0]
    assert run.reason == "completed" and run.epochs_run == 3 and len(run.batch_losses) == 3 * steps
    # The trained weights are in the document, with the compile settings.
    model = dashboard.model
    node = dashboard.doc.node_by_name("hidden")
    np.testing.assert_array_equal(node.weights[0], model.get_layer("hidden").get_weights()[0])
    assert dashboard.doc.training_config["loss"] == "sparse_categorical_crossentropy"
    assert dashboard.train_button.isEnabled() and not dashboard.stop_button.isEnabled()


def test_stop_midway_keeps_the_weights(qtbot, dashboard):
    _prepare(dashboard, epochs=500, batch_size=32)
    before = dashboard.doc.node_by_name("hidden").weights
    with qtbot.waitSignal(dashboard.runFinished, timeout=TIMEOUT) as finished:
        assert dashboard.start()
        with qtbot.waitSignal(dashboard.epochShown, timeout=TIMEOUT):
            pass
        assert dashboard.is_training() and dashboard.stop_button.isEnabled()
        dashboard.stop()
    assert finished.args[0]["reason"] == "stopped"
    assert 1 <= finished.args[0]["epochs_run"] < 500
    kept = dashboard.doc.node_by_name("hidden").weights[0]
    np.testing.assert_array_equal(kept, dashboard.model.get_layer("hidden").get_weights()[0])
    assert before is None or not np.array_equal(before[0], kept)
    assert "weights trained so far are kept" in dashboard.status_label.text()


def test_early_stopping_stops_a_stalled_run(qtbot, dashboard):
    _prepare(dashboard, epochs=300, batch_size=128, validation=0.3)
    data = dashboard.data_panel.data
    data.y = np.random.default_rng(0).integers(0, 10, size=len(data.y))  # nothing to learn: val_loss stalls
    form = dashboard.settings_form
    form.learning_rate.setValue(0.01)
    form.early.setChecked(True)
    form.early_patience.setValue(2)
    result = _train(qtbot, dashboard)
    assert result["reason"] == "early_stopping" and result["epochs_run"] < 300
    assert dashboard.runs_panel.runs[0].reason == "early_stopping"


def test_pause_change_lr_step_and_resume_marks_the_curves(qtbot, dashboard):
    _prepare(dashboard, epochs=4, batch_size=32)
    with qtbot.waitSignal(dashboard.runFinished, timeout=TIMEOUT) as finished:
        # The pause click lands at the end of the first epoch (a direct connection runs in the training
        # thread, so the run cannot race past it), exactly as if the user pressed Pause then.
        dashboard.threadLaunching.connect(
            lambda thread: thread.epochEnded.connect(
                lambda p: p["epoch"] == 0 and thread.pause(), Qt.ConnectionType.DirectConnection
            )
        )
        with qtbot.waitSignal(dashboard.pauseShown, timeout=TIMEOUT):
            dashboard.start()
        assert dashboard.lr_apply.isEnabled() and dashboard.pause_button.text().endswith("Resume")
        with qtbot.waitSignal(dashboard.stepShown, timeout=TIMEOUT) as stepped:
            dashboard.step()
        assert np.isfinite(stepped.args[0])
        with qtbot.waitSignal(dashboard.markerShown, timeout=TIMEOUT):
            dashboard.set_learning_rate(0.0005)
        with qtbot.waitSignal(dashboard.markerShown, timeout=TIMEOUT):
            dashboard.layers_panel.list.item(0).setCheckState(
                dashboard.layers_panel.list.item(0).checkState().Unchecked
            )
        dashboard.toggle_pause()
    assert finished.args[0]["reason"] == "completed"
    texts = [m["text"] for m in dashboard.runs_panel.runs[0].markers]
    assert texts == ["learning rate → 0.0005", "froze hidden"]
    assert len(dashboard.charts.loss.markers) == 2
    assert dashboard.model.optimizer.learning_rate == pytest.approx(0.0005)


def test_blocking_check_refuses_to_start_and_its_fix_works(qtbot, dashboard):
    _prepare(dashboard, epochs=1)
    dashboard.settings_form.loss.setCurrentText("categorical_crossentropy")
    codes = [f.code for f in dashboard.checks.findings]
    assert "loss_targets_sparse" in codes and dashboard.checks.has_errors()
    assert not dashboard.start()
    assert "Training cannot start" in dashboard.log.lines[-1][1]
    dashboard.apply_fix("loss:sparse_categorical_crossentropy")
    assert not dashboard.checks.has_errors()
    assert _train(qtbot, dashboard)["reason"] == "completed"


def test_nan_loss_is_reported_and_the_app_keeps_running(qtbot, dashboard):
    _prepare(dashboard, epochs=2, validation=0.0)
    dashboard.settings_form.shuffle.setChecked(False)
    dashboard.data_panel.data.x = dashboard.data_panel.data.x.copy()
    dashboard.data_panel.data.x[200:] = np.nan
    result = _train(qtbot, dashboard)
    assert result["reason"] == "nan"
    assert dashboard.error_box.isVisible() and "NaN" in dashboard.error_box.text()
    assert "epoch 1, batch 4" in dashboard.error_box.informativeText() + dashboard.error_box.text()
    weights = dashboard.doc.node_by_name("hidden").weights
    assert all(np.isfinite(w).all() for w in weights)
    dashboard.error_box.close()


def test_runs_compare_and_export(qtbot, dashboard, tmp_path):
    _prepare(dashboard, epochs=2)
    _train(qtbot, dashboard)
    dashboard.settings_form.learning_rate.setValue(0.01)
    dashboard.runs_panel.set_overlay(0, True)
    _train(qtbot, dashboard)
    runs = dashboard.runs_panel.runs
    assert [r.label for r in runs] == ["Run 1", "Run 2"] and runs[1].compile_args["learning_rate"] == 0.01
    assert len(dashboard.charts.loss.overlays) == 2  # run 1's loss and val_loss
    runs[0].write_csv(tmp_path / "run1.csv")
    lines = (tmp_path / "run1.csv").read_text().splitlines()
    assert lines[0].startswith("epoch,") and len(lines) == 3
    assert dashboard.export_png(tmp_path / "charts.png") and (tmp_path / "charts.png").stat().st_size > 5000


def test_layer_outputs_and_predictions(qtbot, dashboard):
    _prepare(dashboard, epochs=2)
    _train(qtbot, dashboard)
    inside = dashboard.inside
    inside.layer.setCurrentText("hidden")
    inside.sample.setValue(5)
    assert inside.show_output().shape == (64,)
    inside.layer.setCurrentText("dropout")
    inside.mode.setCurrentIndex(1)  # training mode: dropout zeroes some units
    out = inside.show_output()
    assert (out == 0).sum() > 0
    out = dashboard.predictions.predict()
    matrix = dashboard.predictions.matrix
    assert out.shape[1] == 10 and matrix.shape == (10, 10) and matrix.sum() == 1797 - int(1797 * 0.8)
    assert "accuracy" in dashboard.predictions.info.text()


def test_stateful_lstm_template_with_sine_sequences(qtbot, dashboard):
    from app.templates import TEMPLATES

    template = next(t for t in TEMPLATES if t.title == "Stateful LSTM")
    dashboard.set_document(template.document())
    dashboard.data_panel.choose_example("Sine sequences (stateful)")
    form = dashboard.settings_form
    assert not form.batch_size.isEnabled() and form.batch_size.value() == 32 and not form.shuffle.isChecked()
    assert not form.stateful_note.isHidden() and "stateful" in form.stateful_note.text()
    form.epochs.setValue(1)
    form.validation_split.setValue(0.0)
    form.reset_states.setChecked(True)
    assert not dashboard.checks.has_errors()
    result = _train(qtbot, dashboard)
    assert result["reason"] == "completed" and dashboard.charts.loss.drawn_count("batch") == 20


def test_step_one_batch_when_idle(qtbot, dashboard):
    _prepare(dashboard)
    with qtbot.waitSignal(dashboard.runFinished, timeout=TIMEOUT) as finished:
        dashboard.step()
    assert finished.args[0]["reason"] == "step" and dashboard.train_button.isEnabled()
    assert "Stepped one batch: loss" in dashboard.status_label.text()


def test_separate_validation_file(qtbot, dashboard, tmp_path):
    from engine.datasets import load_digits

    _, (x_test, y_test) = load_digits()
    np.savez(tmp_path / "val.npz", x=x_test[:100], y=y_test[:100])
    _prepare(dashboard, epochs=2)
    assert dashboard.data_panel.open_validation(tmp_path / "val.npz")
    assert not dashboard.settings_form.validation_split.isEnabled()
    assert "100 samples" in dashboard.data_panel.validation_label.text()
    assert _train(qtbot, dashboard)["reason"] == "completed"
    assert dashboard.charts.loss.drawn_count("val_loss") == 2
    steps = -(-1797 // 64)  # the whole training set trains: no split
    assert len(dashboard.runs_panel.runs[0].batch_losses) == 2 * steps
    assert dashboard.predictions.predict().shape == (100, 10)
    np.savez(tmp_path / "bad.npz", x=np.zeros((5, 3)), y=np.zeros(5))
    assert dashboard.data_panel.open_validation(tmp_path / "bad.npz")
    assert any(f.message.startswith("Validation file:") for f in dashboard.checks.findings)
    dashboard.data_panel.set_validation(None)
    assert dashboard.settings_form.validation_split.isEnabled() and not dashboard.checks.has_errors()
