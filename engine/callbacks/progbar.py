"""ProgbarLogger: the terminal progress display of fit, evaluate and predict.

``verbose=1`` redraws one bar per epoch in place (``\\r``) with the step count, ETA,
time per step and the running metrics, at most every ``interval`` seconds; when stdout
is not a terminal only the finished line is written. ``verbose=2`` writes one line per
epoch. Output goes to whatever ``sys.stdout`` is at the time of writing.
"""

from __future__ import annotations

import math
import sys
import time
from typing import Any

from engine.callbacks.base import Callback, Logs


def _format_duration(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_step_time(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit}"
    return f"{seconds * 1e6:.0f}us/{unit}"


def _format_value(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4f}" if abs(number) > 1e-3 else f"{number:.4e}"


class _Progbar:
    """One progress display: a count of ``target`` steps (None when unknown) and the latest values."""

    def __init__(self, target: int | None, verbose: int, width: int = 30, interval: float = 0.05, dynamic=None):
        self.target = target
        self.verbose = verbose
        self.width = width
        self.interval = interval
        self.dynamic = _is_terminal() if dynamic is None else dynamic
        self.values: dict[str, Any] = {}
        self._start = time.perf_counter()
        self._after_first_step: float | None = None
        self._last_update = -math.inf  # the first update always draws
        self._prev_width = 0

    def _step_time(self, current: int, now: float) -> float:
        # The first step (compilation, warm caches) is not representative: leave it out once there are more.
        if not current:
            return 0.0
        if self._after_first_step is not None and current > 1:
            per_step = (now - self._after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1:
            self._after_first_step = now
        return per_step

    def update(self, current: int, values: dict[str, Any] | None, finalize: bool = False) -> None:
        if values:
            self.values.update(values)
        now = time.perf_counter()
        per_step = self._step_time(current, now)
        if self.verbose == 1:
            if not finalize and (not self.dynamic or now - self._last_update < self.interval):
                return
            line = self._bar(current) + self._timing(current, per_step, now, finalize) + self._metrics()
            padding = " " * max(0, self._prev_width - len(line))
            prefix = "\r" if self.dynamic else ""
            self._write(prefix + line + padding + ("\n" if finalize else ""))
            self._prev_width = len(line)
        elif self.verbose == 2 and finalize:
            count = self._count(current)
            self._write(
                f"{count} - {now - self._start:.0f}s - {_format_step_time(per_step, 'step')}{self._metrics()}\n"
            )
        self._last_update = now

    def _count(self, current: int) -> str:
        if not self.target:
            return f"{current}/Unknown"
        digits = len(str(self.target))
        return f"{current:{digits}d}/{self.target}"

    def _bar(self, current: int) -> str:
        if not self.target:
            return f"{current:7d}/Unknown"
        filled = int(self.width * min(current, self.target) / self.target)
        head = ">" if current < self.target else "="
        bar = ("=" * (filled - 1) + head if filled else "") + "." * (self.width - filled)
        return f"{self._count(current)} [{bar}]"

    def _timing(self, current: int, per_step: float, now: float, finalize: bool) -> str:
        step_time = _format_step_time(per_step, "step")
        if self.target and not finalize:
            return f" - ETA: {_format_duration(per_step * (self.target - current))} - {step_time}"
        return f" - {now - self._start:.0f}s {step_time}"

    def _metrics(self) -> str:
        return "".join(f" - {key}: {_format_value(value)}" for key, value in self.values.items())

    @staticmethod
    def _write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()


def _is_terminal() -> bool:
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


class ProgbarLogger(Callback):
    """Print training progress to stdout; ``fit`` adds one when ``verbose != 0``.

    Args:
        interval: the least time in seconds between two redraws of the ``verbose=1`` bar.
        dynamic_display: redraw in place; None decides from whether stdout is a terminal.
    """

    def __init__(self, interval: float = 0.05, dynamic_display: bool | None = None) -> None:
        super().__init__()
        self.interval = interval
        self.dynamic_display = dynamic_display
        self.verbose = 1
        self.epochs = 1
        self.target: int | None = None
        self.seen = 0
        self.progbar: _Progbar | None = None
        self._called_in_fit = False

    def set_params(self, params: dict[str, Any]) -> None:
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose)
        self.epochs = params.get("epochs") or 1
        self.target = params.get("steps")

    def on_train_begin(self, logs: Logs = None) -> None:
        # Inside fit, the validation pass is silent.
        self._called_in_fit = True

    def on_train_end(self, logs: Logs = None) -> None:
        self._called_in_fit = False

    def on_epoch_begin(self, epoch: int, logs: Logs = None) -> None:
        self._reset()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}")

    def on_train_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._update(batch, logs)

    def on_epoch_end(self, epoch: int, logs: Logs = None) -> None:
        self._finalize(logs)

    def on_test_begin(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._reset()

    def on_test_batch_end(self, batch: int, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._update(batch, logs)

    def on_test_end(self, logs: Logs = None) -> None:
        if not self._called_in_fit:
            self._finalize(logs)

    def on_predict_begin(self, logs: Logs = None) -> None:
        self._reset()

    def on_predict_batch_end(self, batch: int, logs: Logs = None) -> None:
        self._update(batch, None)  # predict logs hold outputs, not metrics

    def on_predict_end(self, logs: Logs = None) -> None:
        self._finalize(None)

    def _reset(self) -> None:
        self.seen = 0
        self.progbar = None

    def _ensure_progbar(self) -> _Progbar:
        if self.progbar is None:
            self.progbar = _Progbar(self.target, self.verbose, interval=self.interval, dynamic=self.dynamic_display)
        return self.progbar

    def _update(self, batch: int, logs: Logs) -> None:
        progbar = self._ensure_progbar()
        self.seen = batch + 1
        if self.verbose == 1:
            progbar.update(self.seen, logs, finalize=False)

    def _finalize(self, logs: Logs) -> None:
        if not self.verbose:
            return
        progbar = self._ensure_progbar()
        if self.target is None:
            progbar.target = self.seen
        progbar.update(progbar.target or self.seen, logs, finalize=True)
