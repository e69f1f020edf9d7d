"""``TrainingDashboard``: data, settings, checks, a background run with live curves, and the model's insides.

The dashboard builds an engine model from the design document (``app.conversion.to_model``),
compiles it with the form's settings, checks for pitfalls, and trains it in a ``TrainingThread``.
Slots receive plain numbers through queued connections; the charts drain their buffers on a timer
and the progress row refreshes at most every 50 ms, so the GUI stays responsive however fast the
batches come. When a run ends, for any reason, the trained weights go back into the document (an
undoable command when an undo stack is given), with the compile settings, so saving keeps them.

The widgets are built in :mod:`app.training.dashboard_layout`; the checks (:mod:`app.training.dashboard_checks`)
and the slots that show a run (:mod:`app.training.dashboard_run_view`) are mixins of ``TrainingDashboard``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QFileDialog, QWidget

from app.document import DesignDocument
from app.training.dashboard_checks import DashboardChecks
from app.training.dashboard_layout import build_widgets
from app.training.dashboard_run_view import DashboardRunView
from app.training.runs import RunRecord
from app.training.undo import TrainWeightsCommand
from app.training.worker import TrainingThread
from engine.training import preflight
from engine.training.session import TrainingSession, TrainingSettings

QUEUED = Qt.ConnectionType.QueuedConnection
REFRESH_MS = 200  # progress bars and speed: 5 updates a second are plenty to read


class TrainingDashboard(DashboardChecks, DashboardRunView, QWidget):
    """The Train dock's contents.

    Signals:
        runFinished(dict): a run ended and its weights are in the document.
        threadLaunching(TrainingThread): a run's thread is about to start (for extra connections).
        epochShown(dict), pauseShown(), markerShown(dict), stepShown(float): the GUI has shown an epoch's
            figures, a pause, a change marker or a stepped batch's loss. Emitted in the GUI thread: wait on
            these, never on the thread's own signals (a plain callable connected to those runs in the thread).
    """

    runFinished = Signal(dict)  # noqa: N815 - Qt signal naming
    threadLaunching = Signal(object)  # noqa: N815 - the TrainingThread, just before it starts
    epochShown = Signal(dict)  # noqa: N815 - Qt signal naming
    pauseShown = Signal()  # noqa: N815 - Qt signal naming
    markerShown = Signal(dict)  # noqa: N815 - Qt signal naming
    stepShown = Signal(float)  # noqa: N815 - Qt signal naming

    def __init__(self, doc: DesignDocument, stack: QUndoStack | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.stack = stack
        self.model: Any = None
        self.thread: TrainingThread | None = None
        self.run: RunRecord | None = None
        self.steps = 1
        self._latest_batch: dict[str, Any] | None = None
        self._build()
        self.check_timer = QTimer(self)
        self.check_timer.setSingleShot(True)
        self.check_timer.setInterval(300)
        self.check_timer.timeout.connect(self.run_checks)
        doc.subscribe(self._on_doc_event)
        self._load_extras()
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self._refresh_progress)
        self.timer.start()
        self._set_state("idle")

    # -- construction --------------------------------------------------------------------------
    def _build(self) -> None:
        build_widgets(self)  # the widgets, as attributes, and their arrangement
        self.train_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.toggle_pause)
        self.step_button.clicked.connect(self.step)
        self.stop_button.clicked.connect(self.stop)
        self.lr_apply.clicked.connect(lambda: self.set_learning_rate(self.lr_spin.value()))
        self.threadLaunching.connect(self.device_status.follow)
        self.data_panel.dataChanged.connect(self._data_changed)
        self.data_panel.validationChanged.connect(self._validation_changed)
        self.settings_form.changed.connect(self.run_checks)
        self.checks.fixRequested.connect(self.apply_fix)
        self.layers_panel.trainableChanged.connect(self.set_trainable)
        self.runs_panel.overlaysChanged.connect(lambda: self.charts.show_overlays(self.runs_panel.overlay_runs()))
        self.runs_panel.exportCsvRequested.connect(self.export_csv_dialog)
        self.runs_panel.exportPngRequested.connect(self.export_png_dialog)
        self.settings_form.set_compile_args(self.doc.training_config)

    # -- document and model -------------------------------------------------------------------
    def set_document(self, doc: DesignDocument) -> None:
        """Follow another document object (the main window keeps one and replaces its content instead)."""
        if self.is_training():
            return
        self.doc.unsubscribe(self._on_doc_event)
        self.doc = doc
        doc.subscribe(self._on_doc_event)
        self._document_replaced()

    def _on_doc_event(self, kind: str, _payload: dict) -> None:
        if kind == "reset":
            self._document_replaced()
        elif kind == "validated" and not self.is_training() and self.isVisible():
            self.check_timer.start()  # edits come in bursts: check once they settle

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.check_timer.start()

    def _document_replaced(self) -> None:
        self.model = None
        self.settings_form.set_compile_args(self.doc.training_config)
        self._load_extras()
        self.run_checks()

    def _load_extras(self) -> None:
        """Settings and the last run's history saved with the model: restore the form, list the run."""
        extras = getattr(self.doc, "training_extras", None) or {}
        if extras.get("settings"):
            self.settings_form.set_settings(TrainingSettings.from_dict(extras["settings"]))
        history = extras.get("history") or {}
        if history and not any(r.history == history for r in self.runs_panel.runs):
            run = RunRecord(len(self.runs_panel.runs) + 1, self.doc.name, "saved with the model",
                            extras.get("settings") or {}, {}, history={k: list(v) for k, v in history.items()},
                            reason="saved")  # fmt: skip
            self.runs_panel.add_run(run)

    def build_model(self) -> Any:
        """A compiled engine model for the document with the form's settings (raises on an invalid design)."""
        from app.conversion import to_model

        model = to_model(self.doc)
        self._compile_from_form(model)
        state = getattr(self.doc, "optimizer_state", None)
        if state:  # trained before (or opened from a file): continue with its optimizer state when it fits
            from engine.saving.optimizer_state import restore_optimizer_state

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # another optimizer or design simply starts afresh
                if restore_optimizer_state(model, state, "the design"):
                    model.optimizer.learning_rate = self.settings_form.learning_rate.value()
        return model

    def current_model(self) -> Any:
        """The last trained model while it still matches the design; otherwise a fresh one."""
        if self.model is not None and self._model_key == self._doc_key():
            return self.model
        try:
            self.model = self.build_model()
        except Exception:  # noqa: BLE001 - an invalid design has no model
            self.model = None
        self._model_key = self._doc_key()
        return self.model

    _model_key: Any = None

    def _doc_key(self) -> Any:
        """Changes when the design or its weights change (undoing a training run included)."""
        weights = tuple(id(node.weights) for node in self.doc.nodes.values())
        return (repr(self.doc.structure()), id(self.doc), weights, id(getattr(self.doc, "optimizer_state", None)))

    def _data_tuple(self) -> tuple[Any, Any, float]:
        data = self.data_panel.data
        if data is None:
            return None, None, 0.0
        validation = self.data_panel.validation
        if validation is not None:  # predictions then cover the whole validation file
            return validation.x, validation.y, 0.0
        return data.x, data.y, self.settings_form.validation_split.value()

    def _data_changed(self, _data: Any) -> None:
        self.run_checks()

    def _validation_changed(self, data: Any) -> None:
        self.settings_form.validation_split.setEnabled(data is None)
        self.run_checks()

    # -- running ------------------------------------------------------------------------------
    def is_training(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def start(self, epochs: int | None = None) -> bool:
        """Start a run with the form's settings; False (with the reason in the log) when it cannot start."""
        if self.is_training():
            return False
        data = self.data_panel.data
        if data is None:
            return self._refuse("Choose training data first (Data tab).")
        try:
            model = self.current_model()  # the last trained model when the design has not changed since
            if model is None:
                model = self.build_model()
        except Exception as error:  # noqa: BLE001
            return self._refuse(f"The design cannot be trained: {error}")
        self._compile_from_form(model)
        settings = self.settings_form.settings()
        if epochs is not None:
            settings.epochs = epochs
        findings = self._findings(model, data, settings)
        self.checks.set_findings(findings)
        if any(f.severity == "error" for f in findings):
            self.left.setCurrentWidget(self.checks)
            return self._refuse("Training cannot start: " + "; ".join(f.message for f in findings
                                                                      if f.severity == "error"))  # fmt: skip
        for finding in findings:
            if finding.code == "trainable_changed":
                preflight.apply_fix("recompile", model, data.x, data.y, settings)
            self.log.add("warning" if finding.severity == "warning" else "info", finding.message)
        self.model = model
        self._model_key = self._doc_key()
        self._last_trainable = {layer.name: layer.trainable for layer in model.layers if layer.weights}
        validation = self.data_panel.validation
        held_out = (validation.x, validation.y) if validation is not None else None
        session = TrainingSession(model, data.x, data.y, settings, validation_data=held_out)
        self.run = RunRecord(len(self.runs_panel.runs) + 1, model.name, Path(data.source).name, settings.to_dict(),
                             {**self.settings_form.compile_args()["optimizer"]["config"],
                              "optimizer": self.settings_form.optimizer.currentText()})  # fmt: skip
        self.run.compile_args["loss"] = self.settings_form.loss.currentText()
        self.runs_panel.add_run(self.run)
        self.charts.reset(settings.epochs)
        self.charts.show_overlays(self.runs_panel.overlay_runs())
        self.lr_spin.setValue(float(model.optimizer.learning_rate))
        self._launch(TrainingThread(session, parent=self))
        self.log.add("info", f"{self.run.label}: training '{model.name}' on {data.describe()}")
        return True

    def _refuse(self, message: str) -> bool:
        self.log.add("error", message)
        self.status_label.setText(f"<span style='color:#ff8b84'>{message}</span>")
        return False

    def _launch(self, thread: TrainingThread) -> None:
        self.thread = thread
        thread.runStarted.connect(self._on_started, QUEUED)
        thread.batchesEnded.connect(self._on_batches, QUEUED)
        thread.epochEnded.connect(self._on_epoch, QUEUED)
        thread.runPaused.connect(self._on_paused, QUEUED)
        thread.runResumed.connect(self._on_resumed, QUEUED)
        thread.markerAdded.connect(self._on_marker, QUEUED)
        thread.batchStepped.connect(self._on_stepped, QUEUED)
        thread.logged.connect(self.log.add, QUEUED)
        thread.finishedRun.connect(self._on_finished, QUEUED)
        self._set_state("running")
        self.threadLaunching.emit(thread)
        thread.start()

    def toggle_pause(self) -> None:
        if not self.is_training():
            return
        if self.thread.session.paused:
            self.thread.resume()
        else:
            self.thread.pause()
            self.status_label.setText("Pausing after the current batch…")

    def step(self) -> None:
        """While paused: one more batch of the run. While idle: one ``train_on_batch`` on the next batch."""
        if self.is_training():
            self.thread.step()
            return
        data, model = self.data_panel.data, self.current_model()
        if data is None or model is None:
            self._refuse("Stepping needs data and a valid design.")
            return
        self.thread = TrainingThread(TrainingSession(model, data.x, data.y, self.settings_form.settings()),
                                     step_only=True, parent=self)  # fmt: skip
        self.thread.batchStepped.connect(self._on_stepped, QUEUED)
        self.thread.logged.connect(self.log.add, QUEUED)
        self.thread.finishedRun.connect(self._on_step_finished, QUEUED)
        self._set_state("running")
        self.threadLaunching.emit(self.thread)
        self.thread.start()

    def stop(self) -> None:
        if self.is_training():
            self.thread.stop()
            self.status_label.setText("Stopping after the current batch…")

    def set_learning_rate(self, value: float) -> None:
        if self.is_training():
            self.thread.session.set_learning_rate(value)

    def set_trainable(self, names: list[str], trainable: bool) -> None:
        if self.is_training() and self.thread.session.paused:
            self.thread.session.set_trainable(names, trainable)
        else:
            self.log.add("warning", "Freeze or unfreeze layers while a run is paused (or in the design when idle).")
            self.run_checks()

    def wait_for_thread(self, timeout_ms: int = 30_000) -> bool:
        """Stop a run and wait for its thread (window closing, tests)."""
        if self.thread is None:
            return True
        self.thread.stop()
        return self.thread.wait(timeout_ms)

    # -- the trained weights into the document ---------------------------------------------------
    def _store_weights(self, reason: str) -> None:
        from engine.saving.training_config import training_config

        weights: dict[int, list[Any]] = {}
        for layer in self.model.layers:
            node = self.doc.node_by_name(layer.name)
            if node is not None and node.shares is None and layer.weights:
                weights[node.id] = [w.copy() for w in layer.get_weights()]
        from engine.saving.optimizer_state import optimizer_entries

        fields: dict[str, Any] = {}
        try:
            fields["training_config"] = training_config(self.model)
            fields["optimizer_state"] = [value for _, value in optimizer_entries(self.model.optimizer)]
        except Exception:  # noqa: BLE001 - custom objects that cannot be serialized keep the old config
            pass
        if self.run is not None:
            fields["training_extras"] = {"settings": dict(self.run.settings), "history": dict(self.run.history)}
        command = TrainWeightsCommand(self.doc, weights, fields, f"Train ({self.run.label if self.run else 'run'})")
        if self.stack is not None:
            self.stack.push(command)
        else:
            command.redo()
        self._model_key = self._doc_key()

    # -- exports ---------------------------------------------------------------------------------
    def export_csv_dialog(self, index: int) -> None:
        if not self.runs_panel.runs:
            return
        run = self.runs_panel.runs[index]
        path, _ = QFileDialog.getSaveFileName(self, "Export run history", f"run{run.number}.csv", "CSV (*.csv)")
        if path:
            run.write_csv(path)

    def export_png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export charts", "training.png", "PNG (*.png)")
        if path:
            self.export_png(path)

    def export_png(self, path: str | Path) -> bool:
        self.charts.drain()
        return self.charts.grab().save(str(path), "PNG")

    def settings(self) -> TrainingSettings:
        return self.settings_form.settings()
