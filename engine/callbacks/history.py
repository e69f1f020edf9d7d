"""History: every epoch's logs, kept per key; ``fit`` returns it."""

from __future__ import annotations

from typing import Any

from engine.callbacks.base import Callback, Logs


class History(Callback):
    """Records the epoch-end logs of a run.

    Attributes:
        history: ``{key: [value per epoch]}`` for every key the loop logged ('loss', metrics,
            'val_*', 'learning_rate').
        epoch: the epoch indices (from 0) that were recorded.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: Logs = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # The model's view of the run is the latest one, also when fit was called with our own History.
        if self.model is not None:
            self.model.history = self
