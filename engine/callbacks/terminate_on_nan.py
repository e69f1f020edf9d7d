"""TerminateOnNaN: stop training at the first batch whose loss is NaN or infinite."""

from __future__ import annotations

import math

from engine.callbacks.base import Callback, Logs


class TerminateOnNaN(Callback):
    """Set ``model.stop_training`` when a training batch reports a NaN or infinite loss.

    Args:
        raise_error: raise ``RuntimeError`` at once instead of stopping gracefully (then the other
            callbacks' ``on_train_end`` does not run).

    Attributes:
        stopped_at: ``(epoch, batch)`` of the invalid loss (both from 0), or None.
    """

    def __init__(self, raise_error: bool = False) -> None:
        super().__init__()
        self.raise_error = raise_error
        self.stopped_at: tuple[int, int] | None = None
        self._epoch = 0

    def on_train_begin(self, logs: Logs = None) -> None:
        self.stopped_at = None
        self._epoch = 0

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._epoch = epoch

    def on_batch_end(self, batch: int, logs: Logs = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        try:
            finite = math.isfinite(float(loss))
        except (TypeError, ValueError):
            return
        if finite:
            return
        if self.raise_error:
            raise RuntimeError(
                f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. Terminating training immediately."
            )
        self.stopped_at = (self._epoch, batch)
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
