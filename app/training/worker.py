"""The training thread: a ``QThread`` that runs a :class:`TrainingSession` and re-emits its events as signals.

The thread never touches a widget: the session's listener only emits signals carrying plain Python
values, and every receiver is connected with a queued connection, so the slots run in the GUI
thread. Controls (pause, resume, stop, step, learning rate, freezing) go straight to the session,
which is thread-safe and applies model changes itself between batches.
"""

from __future__ import annotations

import gc
import time
from typing import Any

from PySide6.QtCore import QThread, Signal

from engine.training.session import RunResult, TrainingSession

COALESCE_S = 0.1  # seconds between deliveries of batch events to the GUI thread


class TrainingThread(QThread):
    """Runs ``session.run()`` (or one ``train_on_batch`` with ``step_only``) off the GUI thread.

    Signals (all payloads are plain dicts of floats, ints and strings):
        runStarted, batchEnded, epochEnded, runPaused, runResumed, markerAdded, finishedRun (dict);
        batchStepped (float: the loss of a single stepped batch); logged (level, message);
        batchesEnded (list of batch dicts): the same batches as ``batchEnded``, delivered at most every
        ``COALESCE_S`` seconds, so the GUI thread wakes ten times a second however fast batches come (each
        wake-up takes the GIL and CPU from training; progress shows at 5 Hz and curves redraw at most 10
        times a second anyway). Every other event first flushes them.
    """

    batchesEnded = Signal(list)  # noqa: N815 - Qt signal naming
    runStarted = Signal(dict)  # noqa: N815 - Qt signal naming
    batchEnded = Signal(dict)  # noqa: N815 - Qt signal naming
    epochEnded = Signal(dict)  # noqa: N815 - Qt signal naming
    runPaused = Signal(dict)  # noqa: N815 - Qt signal naming
    runResumed = Signal(dict)  # noqa: N815 - Qt signal naming
    markerAdded = Signal(dict)  # noqa: N815 - Qt signal naming
    batchStepped = Signal(float)  # noqa: N815 - Qt signal naming
    logged = Signal(str, str)
    finishedRun = Signal(dict)  # noqa: N815 - Qt signal naming

    def __init__(self, session: TrainingSession, step_only: bool = False, parent: Any = None) -> None:
        super().__init__(parent)
        self.session = session
        self.step_only = step_only
        self.result: RunResult | None = None
        self._pending: list[dict[str, Any]] = []
        self._last_flush = 0.0
        session.subscribe(self._relay)

    def _flush(self) -> None:
        if self._pending:
            batches, self._pending = self._pending, []
            self.batchesEnded.emit(batches)
        self._last_flush = time.perf_counter()

    def _relay(self, kind: str, payload: dict[str, Any]) -> None:
        # Called in this thread by the session: only emit, never touch widgets.
        if kind == "batch":
            self.batchEnded.emit(payload)
            self._pending.append(payload)
            if time.perf_counter() - self._last_flush >= COALESCE_S:
                self._flush()
            return
        self._flush()
        if kind == "epoch":
            self.epochEnded.emit(payload)
        elif kind == "started":
            self.runStarted.emit(payload)
        elif kind == "paused":
            self.runPaused.emit(payload)
        elif kind == "resumed":
            self.runResumed.emit(payload)
        elif kind == "marker":
            self.markerAdded.emit(payload)
        elif kind == "stepped":
            self.batchStepped.emit(float(payload["loss"]))
        elif kind == "log":
            self.logged.emit(payload["level"], payload["message"])
        elif kind == "finished":
            self.finishedRun.emit(payload)

    def start(self, *args: Any) -> None:
        """Start the thread, after collecting the GUI's garbage here in the GUI thread.

        Python runs its cycle collector in whichever thread happens to allocate when it is due; during a run
        that is mostly this one. Qt objects left in reference cycles (closed windows' pyqtgraph items and
        their timers) must not be freed outside the GUI thread: that crashed the test run now and then.
        """
        gc.collect()
        super().start(*args)

    def run(self) -> None:
        if self.step_only:
            try:
                self.session.train_one_batch()
            except Exception as error:  # noqa: BLE001 - reported, never raised into Qt
                self.logged.emit("error", f"Step failed: {type(error).__name__}: {error}")
            self.finishedRun.emit({"reason": "step", "epochs_run": 0, "history": {}, "error": "", "elapsed_s": 0.0})
            return
        self.result = self.session.run()

    # Controls, callable from the GUI thread.
    def pause(self) -> None:
        self.session.pause()

    def resume(self) -> None:
        self.session.resume()

    def stop(self) -> None:
        self.session.stop()

    def step(self) -> None:
        self.session.step()
