"""A stand-in for a model: the attributes the callbacks use, with scripted training."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.callbacks import CallbackList


class FakeOptimizer:
    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = learning_rate


class FakeModel:
    """Weights are two arrays whose values the tests set to the epoch number, to see which were restored."""

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.stop_training = False
        self.history: Any = None
        self.optimizer = FakeOptimizer(learning_rate)
        self.weights = [np.zeros((2, 3), "float32"), np.zeros((3,), "float32")]
        self.saved: list[tuple[str, str]] = []

    def get_weights(self) -> list[np.ndarray]:
        return [w.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[np.ndarray]) -> None:
        self.weights = [np.array(w, copy=True) for w in weights]

    def mark(self, value: float) -> None:
        for w in self.weights:
            w[...] = value

    def save(self, filepath: str, overwrite: bool = True) -> None:
        self.saved.append(("model", filepath))
        with open(filepath, "w") as f:
            f.write("model")

    def save_weights(self, filepath: str, overwrite: bool = True) -> None:
        self.saved.append(("weights", filepath))
        with open(filepath, "w") as f:
            f.write("weights")


def fit(
    callbacks: list[Any],
    epoch_logs: Sequence[dict[str, float]],
    *,
    model: FakeModel | None = None,
    steps: int = 2,
    verbose: int = 0,
    batch_logs: Any = None,
) -> tuple[FakeModel, CallbackList]:
    """Drive the callbacks like the training loop, with scripted logs; weights are marked with the epoch."""
    model = model or FakeModel()
    cbks = CallbackList(
        callbacks, add_history=True, add_progbar=verbose != 0, model=model, epochs=len(epoch_logs), steps=steps,
        verbose=verbose,
    )  # fmt: skip
    model.stop_training = False
    cbks.on_train_begin()
    logs: dict[str, float] = {}
    for epoch, scripted in enumerate(epoch_logs):
        cbks.on_epoch_begin(epoch)
        model.mark(epoch)
        for batch in range(steps):
            cbks.on_train_batch_begin(batch)
            logs_b = batch_logs(epoch, batch) if batch_logs else {"loss": scripted.get("loss", 0.0)}
            cbks.on_train_batch_end(batch, logs_b)
            if model.stop_training:
                break
        logs = {**scripted, "learning_rate": model.optimizer.learning_rate}
        cbks.on_epoch_end(epoch, logs)
        if model.stop_training:
            break
    cbks.on_train_end(logs)
    return model, cbks
