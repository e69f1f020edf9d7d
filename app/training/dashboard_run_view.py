"""The training dashboard's view of a run: slots that show its events, and the controls' state.

A run's thread reports through queued signals; these slots, run in the GUI thread, put the figures on the
charts, progress bars, Runs panel and status line, and tell the tests through the dashboard's ``*Shown``
signals. Kept apart from ``TrainingDashboard``, which starts and steers runs, so each reads on its own.
``DashboardRunView`` is a mixin of ``TrainingDashboard``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMessageBox

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QProgressBar, QPushButton

    from app.training.charts import TrainingCharts
    from app.training.data_panel import DataPanel
    from app.training.panels import LayersPanel, LogPanel, RunsPanel
    from app.training.runs import RunRecord
    from app.training.settings_form import SettingsForm
    from app.training.worker import TrainingThread


class DashboardRunView:
    """Shows a run's events and sets the controls for idle, running and paused; mixed into ``TrainingDashboard``."""

    # What the dashboard provides (see app.training.dashboard_layout and app.training.dashboard).
    thread: TrainingThread | None
    run: RunRecord | None
    model: Any
    steps: int
    _latest_batch: dict[str, Any] | None
    charts: TrainingCharts
    runs_panel: RunsPanel
    log: LogPanel
    data_panel: DataPanel
    settings_form: SettingsForm
    layers_panel: LayersPanel
    train_button: QPushButton
    pause_button: QPushButton
    step_button: QPushButton
    stop_button: QPushButton
    lr_spin: QDoubleSpinBox
    lr_apply: QPushButton
    epoch_bar: QProgressBar
    batch_bar: QProgressBar
    speed_label: QLabel
    status_label: QLabel
    runFinished: SignalInstance  # noqa: N815 - the dashboard's Qt signals
    epochShown: SignalInstance  # noqa: N815
    pauseShown: SignalInstance  # noqa: N815
    markerShown: SignalInstance  # noqa: N815
    stepShown: SignalInstance  # noqa: N815
    _store_weights: Callable[[str], None]

    def _on_started(self, payload: dict) -> None:
        self.steps = payload["steps"]
        self.epoch_bar.setRange(0, payload["epochs"])
        self.epoch_bar.setValue(0)
        self.batch_bar.setRange(0, payload["steps"])
        self.batch_bar.setValue(0)
        if self.run is not None:
            self.run.steps_per_epoch = payload["steps"]

    def _on_batches(self, payloads: list) -> None:
        for payload in payloads:
            self._on_batch(payload)

    def _on_batch(self, payload: dict) -> None:
        self.charts.add_batch(payload)
        self._latest_batch = payload
        if self.run is not None:
            self.run.batch_losses.append(payload["loss"])

    def _on_epoch(self, payload: dict) -> None:
        self.charts.add_epoch(payload)
        self.epoch_bar.setValue(payload["epoch"] + 1)
        if self.run is not None:
            for key, value in payload["logs"].items():
                self.run.history.setdefault(key, []).append(value)
            self.run.elapsed_s = payload["elapsed_s"]
            self.runs_panel.update_run(self.run)
        self.epochShown.emit(payload)

    def _on_paused(self, _payload: dict) -> None:
        self._set_state("paused")
        self.pauseShown.emit()

    def _on_resumed(self, _payload: dict) -> None:
        self._set_state("running")

    def _on_step_finished(self, payload: dict) -> None:
        if self.thread is not None:
            self.thread.wait(10_000)
        self._set_state("idle")
        self.runFinished.emit(payload)

    def _on_marker(self, payload: dict) -> None:
        self.charts.add_marker(payload, self.steps)
        if self.run is not None:
            self.run.markers.append(payload)
        self.markerShown.emit(payload)

    def _on_stepped(self, loss: float) -> None:
        self.status_label.setText(f"Stepped one batch: loss {loss:.4f}")
        self.log.add("info", f"Stepped one batch: loss {loss:.4f}")
        self.stepShown.emit(loss)

    def _refresh_progress(self) -> None:
        payload, self._latest_batch = self._latest_batch, None
        if payload is None:
            return
        if self.batch_bar.maximum() != payload["steps"]:
            self.batch_bar.setMaximum(payload["steps"])
        self.batch_bar.setValue(payload["step"] + 1)
        self.epoch_bar.setValue(max(self.epoch_bar.value(), payload["epoch"]))
        from app.headless import format_seconds

        # Three significant digits: a steady read-out, and an unchanged text repaints nothing.
        rate = float(f"{payload['samples_per_s']:.3g}")
        self.speed_label.setText(f"{rate:,.0f} samples/s · ETA {format_seconds(payload['eta_s'])}")

    def _on_finished(self, payload: dict) -> None:
        self._refresh_progress()
        self.charts.drain()
        thread = self.thread
        if thread is not None:
            thread.wait(10_000)
        reason = payload["reason"]
        if reason != "step" and self.model is not None:
            self._store_weights(reason)
        if self.run is not None and reason != "step":
            self.run.reason = reason
            self.run.elapsed_s = payload["elapsed_s"]
            self.runs_panel.update_run(self.run)
        self._set_state("idle")
        messages = {"completed": "Training finished", "stopped": "Stopped; the weights trained so far are kept",
                    "early_stopping": "Early stopping ended the run", "nan": "Stopped: the loss became NaN",
                    "error": "Training failed", "step": "Stepped one batch"}  # fmt: skip
        text = f"{messages.get(reason, reason)} after {payload['epochs_run']} epoch(s)."
        self.status_label.setText(text)
        if reason in ("error", "nan"):
            detail = payload["error"] or next((m for lvl, m in reversed(self.log.lines) if lvl == "error"), "")
            self.error_box = QMessageBox(QMessageBox.Icon.Critical, "Training stopped", f"{text}\n\n{detail}",
                                         parent=self)  # fmt: skip
            self.error_box.open()  # not exec(): the app keeps running and tests are never blocked
        self.runFinished.emit(payload)

    def _set_state(self, state: str) -> None:
        running, paused = state in ("running", "paused"), state == "paused"
        self.train_button.setEnabled(not running)
        self.pause_button.setEnabled(running)
        self.pause_button.setText("▶  Resume" if paused else "‖  Pause")
        self.stop_button.setEnabled(running)
        self.step_button.setEnabled(paused or not running)
        self.lr_spin.setEnabled(paused)
        self.lr_apply.setEnabled(paused)
        self.layers_panel.list.setEnabled(paused or not running)
        for widget in (self.data_panel, self.settings_form):
            widget.setEnabled(not running)
        if paused:
            self.status_label.setText("Paused: change the learning rate, freeze layers, or step one batch.")
        elif state == "running":
            self.status_label.setText("Training…")
