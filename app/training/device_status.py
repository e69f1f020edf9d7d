"""The dashboard's device line: which device(s) run the training, and each GPU's memory in use.

It follows a :class:`TrainingThread` through queued connections: the ``started`` event names the
device(s), ``epoch`` events and a few batch events carry ``device_memory`` (bytes per GPU).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

GiB = 1024**3
QUEUED = Qt.ConnectionType.QueuedConnection


def memory_text(report: dict[str, int]) -> str:
    """'GPU 0: 1.2 GiB · GPU 1: 1.1 GiB in use' (empty on the CPU)."""
    parts = [f"GPU {name.split(':')[-1]}: {used / GiB:.1f} GiB" for name, used in sorted(report.items())]
    return " · ".join(parts) + " in use" if parts else ""


class DeviceStatus(QLabel):
    """'⚙ GPU 0 (NVIDIA H100) · GPU 0: 1.2 GiB in use' for the current (or last) run; hidden before any run."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FormSubtitle")
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.device = ""
        self.memory: dict[str, int] = {}
        self.hide()

    def follow(self, thread: Any) -> None:
        """Show the device of the run ``thread`` is about to start (connect to ``threadLaunching``)."""
        thread.runStarted.connect(self.show_started, QUEUED)
        thread.epochEnded.connect(self.show_event, QUEUED)
        thread.batchesEnded.connect(self.show_batches, QUEUED)

    def show_started(self, payload: dict) -> None:
        self.device = str(payload.get("device") or "")
        self.memory = {}
        self._render()

    def show_event(self, payload: dict) -> None:
        report = payload.get("device_memory")
        if report:
            self.memory = dict(report)
            self._render()

    def show_batches(self, payloads: list) -> None:
        for payload in reversed(payloads):
            if payload.get("device_memory"):
                self.show_event(payload)
                return

    def _render(self) -> None:
        text = f"Device: {self.device}" if self.device else ""
        memory = memory_text(self.memory)
        self.setText(" · ".join(t for t in (text, memory) if t))
        self.setToolTip("Memory in use: bytes held by Strata's arrays in CuPy's memory pool, per GPU" if memory else "")
        self.setVisible(bool(self.text()))
