"""The callbacks inside the real training loop: a tiny model, a few epochs."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from engine import callbacks

pytest.importorskip("engine.metrics", reason="fit() needs engine.metrics")
pytest.importorskip("engine.losses", reason="fit() needs engine.losses")


def _model():
    from engine import layers, models

    model = models.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fit_with_callbacks(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.random((32, 4), dtype=np.float32)
    y = x.sum(axis=1, keepdims=True)
    model = _model()
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True)
    checkpoint = callbacks.ModelCheckpoint(tmp_path / "best.npz", save_best_only=True)
    history = model.fit(
        x, y, epochs=3, batch_size=8, validation_split=0.25, verbose=2,
        callbacks=[stopper, checkpoint, callbacks.CSVLogger(tmp_path / "log.csv"), callbacks.TerminateOnNaN()],
    )  # fmt: skip
    assert model.history is history
    assert history.epoch == list(range(len(history.epoch)))
    assert {"loss", "val_loss"} <= set(history.history)
    assert "3/3 - " in capsys.readouterr().out
    best = callbacks.load_weights_npz(tmp_path / "best.npz")
    assert [w.shape for w in best] == [w.shape for w in model.get_weights()]
    with open(tmp_path / "log.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "epoch" and len(rows) == len(history.epoch) + 1
