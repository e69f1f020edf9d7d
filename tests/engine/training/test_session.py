"""TrainingSession: events, pause/resume/stop/step from another thread, changes while paused, errors."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine.layers import Dense, Dropout, Input
from engine.models import Model
from engine.training.session import TrainingSession, TrainingSettings

TIMEOUT = 30


def _mlp(lr: float = 0.01) -> Model:
    inputs = Input((4,), name="features")
    x = Dense(8, activation="relu", name="hidden")(inputs)
    x = Dropout(0.1, name="drop")(x)
    outputs = Dense(3, activation="softmax", name="out")(x)
    model = Model(inputs, outputs, name="mlp")
    from engine.optimizers import Adam

    model.compile(Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _data(n: int = 120, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64") + (x[:, 1] > 1).astype("int64")
    return x, y


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict]] = []

    def __call__(self, kind: str, payload: dict) -> None:
        self.events.append((kind, payload))

    def of(self, kind: str) -> list[dict]:
        return [p for k, p in self.events if k == kind]


def _session(epochs: int = 3, **settings) -> tuple[TrainingSession, Recorder]:
    x, y = _data()
    session = TrainingSession(_mlp(), x, y, TrainingSettings(epochs=epochs, batch_size=16, **settings))
    recorder = Recorder()
    session.subscribe(recorder)
    return session, recorder


def test_run_reports_batches_epochs_and_history():
    session, rec = _session(epochs=3, validation_split=0.25, inference_train_loss=True)
    result = session.run()
    assert result.reason == "completed" and result.epochs_run == 3
    steps = 6  # 90 training samples / 16
    assert len(rec.of("batch")) == 3 * steps
    assert [e["epoch"] for e in rec.of("epoch")] == [0, 1, 2]
    last = rec.of("epoch")[-1]
    assert {"loss", "accuracy", "val_loss", "val_accuracy", "inference_loss", "learning_rate"} <= set(last["logs"])
    assert set(last["grad_norms"]) == {"hidden", "out"} and all(v > 0 for v in last["grad_norms"].values())
    assert set(last["weight_norms"]) == {"hidden", "out"}
    assert result.history["loss"] == [e["logs"]["loss"] for e in rec.of("epoch")]
    batch = rec.of("batch")[-1]
    assert batch["eta_s"] == 0.0 and batch["samples_per_s"] > 0 and np.isfinite(batch["loss"])
    assert rec.events[0][0] == "started" and rec.events[-1][0] == "finished"
    assert rec.of("started")[0]["samples"] == 90
    assert len(result.batch_losses) == 3 * steps


def test_batch_losses_average_to_the_epoch_loss():
    session, rec = _session(epochs=1)
    session.run()
    sizes = [16] * 7 + [120 - 16 * 7]
    losses = [b["loss"] for b in rec.of("batch")]
    mean = sum(s * v for s, v in zip(sizes, losses)) / 120
    assert mean == pytest.approx(rec.of("epoch")[0]["logs"]["loss"], rel=1e-6)


def test_same_seed_gives_identical_runs():
    runs = []
    for _ in range(2):
        from engine.backend import random as engine_random

        engine_random.seed(7)
        session, _ = _session(epochs=2, seed=3)
        runs.append((session.run().history["loss"], [w.copy() for w in session.model.get_weights()]))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def _run_in_thread(session: TrainingSession) -> threading.Thread:
    thread = threading.Thread(target=session.run, daemon=True)
    thread.start()
    return thread


def test_pause_step_change_lr_freeze_resume_from_another_thread():
    session, rec = _session(epochs=2)
    paused = threading.Event()
    stepped = threading.Event()
    finished = threading.Event()

    def listener(kind: str, payload: dict) -> None:
        if kind == "batch" and payload["global_step"] == 2:
            session.pause()
        if kind == "paused":
            paused.set()
        if kind == "stepped":
            stepped.set()
        if kind == "finished":
            finished.set()

    session.subscribe(listener)
    hidden_before = session.model.get_layer("hidden").get_weights()[0].copy()
    thread = _run_in_thread(session)
    assert paused.wait(TIMEOUT)
    steps_at_pause = len(rec.of("batch"))
    assert steps_at_pause == 2
    session.step()
    assert stepped.wait(TIMEOUT)
    assert len(rec.of("batch")) == 3  # exactly one more batch
    session.set_learning_rate(0.5)
    session.set_trainable(["hidden"], False)
    session.resume()
    assert finished.wait(TIMEOUT)
    thread.join(TIMEOUT)
    result = session.result
    assert result.reason == "completed"
    assert [m["text"] for m in result.markers] == ["learning rate → 0.5", "froze hidden"]
    assert result.markers[0]["global_step"] == 3
    assert session.model.optimizer.learning_rate == pytest.approx(0.5)
    # Frozen after three updates: the hidden kernel stops changing, the output layer keeps learning.
    assert not np.array_equal(session.model.get_layer("hidden").get_weights()[0], hidden_before)
    assert "hidden" not in rec.of("epoch")[-1]["grad_norms"]
    assert rec.of("resumed")


def test_stop_ends_after_the_current_batch_and_keeps_the_weights():
    session, rec = _session(epochs=50)
    before = [w.copy() for w in session.model.get_weights()]

    def listener(kind: str, payload: dict) -> None:
        if kind == "batch" and payload["global_step"] == 10:
            session.stop()

    session.subscribe(listener)
    result = session.run()
    assert result.reason == "stopped"
    assert len(rec.of("batch")) == 10
    assert result.epochs_run == 2  # the interrupted epoch is reported, as in Keras
    after = session.model.get_weights()
    assert any(not np.array_equal(a, b) for a, b in zip(before, after))


def test_stop_while_paused_ends_the_run():
    session, rec = _session(epochs=5)

    def listener(kind: str, payload: dict) -> None:
        if kind == "batch" and payload["global_step"] == 1:
            session.pause()
        if kind == "paused":
            session.stop()

    session.subscribe(listener)
    assert session.run().reason == "stopped"
    assert len(rec.of("batch")) <= 2


def test_early_stopping_stops_a_stalled_run():
    x, y = _data()
    y = np.random.default_rng(1).integers(0, 3, size=len(y))  # noise: validation loss cannot improve for long
    session = TrainingSession(
        _mlp(lr=0.05),
        x,
        y,
        TrainingSettings(
            epochs=200,
            batch_size=16,
            validation_split=0.3,
            early_stopping={"monitor": "val_loss", "patience": 2, "restore_best_weights": True},
        ),
    )
    result = session.run()
    assert result.reason == "early_stopping"
    assert result.epochs_run < 200


def test_nan_loss_stops_with_its_place_and_keeps_weights():
    x, y = _data()
    x[50:] = np.nan
    session, rec = _session(epochs=3, shuffle=False)
    session.x = x
    before = [w.copy() for w in session.model.get_weights()]
    result = session.run()
    assert result.reason == "nan"
    errors = [p["message"] for p in rec.of("log") if p["level"] == "error"]
    assert errors and "epoch 1, batch 4" in errors[0]
    assert all(np.isfinite(w).all() for w in session.model.get_weights())
    assert any(not np.array_equal(a, b) for a, b in zip(before, session.model.get_weights()))


def test_exceptions_are_reported_not_raised():
    session, rec = _session(epochs=1)
    session.x = np.zeros((120, 5), "float32")  # wrong feature count
    result = session.run()
    assert result.reason == "error" and result.error
    assert rec.events[-1][0] == "finished" and rec.events[-1][1]["reason"] == "error"
    assert not session.is_running


def test_bad_learning_rate_is_logged_and_the_run_goes_on():
    session, rec = _session(epochs=1)
    session.set_learning_rate(-1.0)
    assert session.run().reason == "completed"
    assert any("positive" in p["message"] for p in rec.of("log") if p["level"] == "error")


def test_train_one_batch_outside_a_run():
    session, rec = _session()
    first = session.train_one_batch()
    session.train_one_batch()
    assert np.isfinite(first) and len(rec.of("stepped")) == 2


def test_reduce_lr_and_checkpoint_settings_become_callbacks(tmp_path):
    session, rec = _session(
        epochs=4,
        validation_split=0.25,
        reduce_lr={"monitor": "loss", "factor": 0.5, "patience": 0, "min_delta": 10.0},
        checkpoint={"folder": str(tmp_path / "ck"), "save_best_only": False},
    )
    result = session.run()
    assert result.history["learning_rate"][-1] < result.history["learning_rate"][0]
    assert len(list((tmp_path / "ck").glob("*.h5"))) == 4


def test_settings_round_trip_ignores_unknown_keys():
    settings = TrainingSettings(epochs=7, early_stopping={"patience": 3})
    again = TrainingSettings.from_dict({**settings.to_dict(), "future_option": 1})
    assert again == settings


def test_gradient_probe_is_removed_after_the_run():
    session, _ = _session(epochs=1)
    session.run()
    assert "apply_gradients" not in vars(session.model.optimizer)


def test_session_and_preflight_sources_never_mention_qt():
    from engine.training import preflight, session

    for module in (session, preflight):
        source = open(module.__file__, encoding="utf-8").read()
        assert "PySide6" not in source and "pyqtgraph" not in source


@pytest.mark.parametrize("error", [RuntimeError("custom layer bug"), MemoryError("out of memory")])
def test_a_failing_layer_mid_run_is_reported_and_the_last_good_weights_stay(error):
    session, rec = _session(epochs=2, shuffle=False)
    layer = session.model.get_layer("hidden")
    original = layer.call
    calls = {"n": 0}

    def failing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise error
        return original(*args, **kwargs)

    layer.call = failing
    result = session.run()
    assert result.reason == "error" and type(error).__name__ in result.error and str(error) in result.error
    message = next(p["message"] for p in rec.of("log") if p["level"] == "error")
    assert "epoch 1, batch 5" in message
    assert all(np.isfinite(w).all() for w in session.model.get_weights())
    assert len(rec.of("batch")) == 4
