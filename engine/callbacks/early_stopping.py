"""EarlyStopping: end training when a monitored quantity stops improving."""

from __future__ import annotations

from typing import Any

from engine.callbacks._monitor import check_mode, resolve_mode, warn_missing
from engine.callbacks.base import Callback, Logs
from engine.errors import ConfigError


class EarlyStopping(Callback):
    """Stop training once ``monitor`` has not improved for ``patience`` epochs (Keras 3 semantics).

    Each epoch from ``start_from_epoch`` on counts one towards ``wait``; an epoch that beats the
    best value by more than ``min_delta`` becomes the new best, and resets ``wait`` only if it
    also beats ``baseline`` (when one is given). Training stops when ``wait >= patience``
    (never at epoch 0).

    Args:
        monitor: the logs key to watch.
        min_delta: the smallest change that counts as an improvement (its sign is ignored).
        patience: epochs without improvement before stopping.
        verbose: 1 prints a message when stopping or restoring weights.
        mode: "min", "max" or "auto" (direction inferred from the name: accuracies and AUC rise).
        baseline: a value the monitored quantity must beat for ``wait`` to reset.
        restore_best_weights: at the end of training (stopped or not), set the weights of the best
            epoch; if no epoch beat ``baseline``, the best epoch among those run is restored.
        start_from_epoch: warm-up epochs that are not monitored at all.

    Attributes:
        best: the best monitored value so far (±inf before the first monitored epoch).
        wait: epochs counted since the last improvement.
        stopped_epoch: the epoch (from 0) at which training was stopped, 0 if it was not.
        best_epoch: the epoch (from 0) of ``best``.
    """

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline: float | None = None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ) -> None:
        super().__init__()
        if patience < 0:
            raise ConfigError(f"EarlyStopping expects patience >= 0, received patience={patience}")
        if start_from_epoch < 0:
            raise ConfigError(f"EarlyStopping expects start_from_epoch >= 0, received {start_from_epoch}")
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.min_delta = abs(min_delta)
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.mode = check_mode("EarlyStopping", mode)
        self._direction: str | None = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights: list[Any] | None = None
        self.best = float("inf")

    def _setup(self) -> None:
        self._direction = resolve_mode(self.monitor, self.mode, self.model)
        self.best = float("inf") if self._direction == "min" else -float("inf")

    def on_train_begin(self, logs: Logs = None) -> None:
        # Reset so one instance can serve several fit calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best_weights = None
        self.best_epoch = 0
        self._setup()

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        if self._direction is None:
            self._setup()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Nothing better seen yet: the current weights are the best so far.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return

        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: Logs = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: Logs) -> Any:
        """The monitored value from ``logs``, or None (with a warning listing the keys) if absent."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warn_missing("Early stopping", self.monitor, logs)
        return value

    def _is_improvement(self, value: float, reference: float) -> bool:
        if self._direction == "min":
            return bool(value + self.min_delta < reference)
        return bool(value - self.min_delta > reference)
