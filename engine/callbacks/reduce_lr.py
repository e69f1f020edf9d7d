"""ReduceLROnPlateau: lower the learning rate when a monitored quantity stops improving."""

from __future__ import annotations

import numpy

from engine.callbacks._monitor import check_mode, resolve_mode, warn_missing
from engine.callbacks.base import Callback, Logs
from engine.errors import ConfigError


class ReduceLROnPlateau(Callback):
    """Multiply the learning rate by ``factor`` after ``patience`` epochs without improvement.

    An epoch improves when ``monitor`` beats the best value by more than ``min_delta``. After a
    reduction, ``cooldown`` epochs pass with ``wait`` held at 0 before counting resumes. The rate
    never goes below ``min_lr``. The current rate is written to ``logs["learning_rate"]``.

    Args:
        monitor: the logs key to watch.
        factor: the multiplier, in [0, 1).
        patience: epochs without improvement before reducing.
        verbose: 1 prints a line on each reduction.
        mode: "min", "max" or "auto" (direction inferred from the monitor's name).
        min_delta: the threshold a change must exceed to count as an improvement.
        cooldown: epochs after a reduction during which no new reduction is counted.
        min_lr: the lower bound of the learning rate.
    """

    def __init__(  # noqa: PLR0917 - Keras's positional signature
        self,
        monitor: str = "val_loss",
        factor: float = 0.1,
        patience: int = 10,
        verbose: int = 0,
        mode: str = "auto",
        min_delta: float = 1e-4,
        cooldown: int = 0,
        min_lr: float = 0.0,
        **kwargs: object,
    ) -> None:
        super().__init__()
        if kwargs:
            raise ConfigError(f"ReduceLROnPlateau got unexpected arguments: {sorted(kwargs)}")
        if not 0.0 <= factor < 1.0:
            raise ConfigError(f"ReduceLROnPlateau does not support a factor outside [0, 1). Received factor={factor}")
        if patience < 0 or cooldown < 0:
            raise ConfigError(
                f"ReduceLROnPlateau expects patience and cooldown >= 0, received patience={patience}, "
                f"cooldown={cooldown}"
            )
        self.monitor = monitor
        self.factor = factor
        self.min_lr = min_lr
        self.min_delta = min_delta
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.mode = check_mode("ReduceLROnPlateau", mode)
        self._direction = "min"
        self._reset()

    def _reset(self) -> None:
        self._direction = resolve_mode(self.monitor, self.mode, self.model)
        self.best = float("inf") if self._direction == "min" else -float("inf")
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_train_begin(self, logs: Logs = None) -> None:
        self._reset()

    def _improved(self, current: float) -> bool:
        if self._direction == "min":
            return bool(current < self.best - self.min_delta)
        return bool(current > self.best + self.min_delta)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        logs = {} if logs is None else logs
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warn_missing("Learning rate reduction", self.monitor, logs)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._improved(current):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait < self.patience:
            return
        old_lr = float(optimizer.learning_rate)
        # The optimizer may hold its rate in float32: compare at that precision so a rate already
        # clamped to min_lr is not "reduced" again every epoch.
        if old_lr > float(numpy.float32(self.min_lr)):
            new_lr = max(old_lr * self.factor, self.min_lr)
            optimizer.learning_rate = new_lr
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
            self.cooldown_counter = self.cooldown
            self.wait = 0
