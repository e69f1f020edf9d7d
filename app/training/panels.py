"""The dashboard's smaller panels: the log, the preflight checks, the layers to freeze, and the runs table."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.training.runs import RunRecord
from engine.training.preflight import Finding

LEVEL_COLORS = {"info": "#c3cad6", "warning": "#e5c07b", "error": "#ff8b84"}
SEVERITY_ICONS = {"error": "✗", "warning": "⚠", "info": "•"}


class LogPanel(QPlainTextEdit):
    """Each epoch's figures, changes made while paused, warnings and errors, with the time."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setMaximumBlockCount(5000)
        self.setStyleSheet("font-family: monospace; font-size: 9pt;")
        self.lines: list[tuple[str, str]] = []

    def add(self, level: str, message: str) -> None:
        self.lines.append((level, message))
        stamp = time.strftime("%H:%M:%S")
        color = LEVEL_COLORS.get(level, LEVEL_COLORS["info"])
        self.appendHtml(f"<span style='color:#6b7280'>{stamp}</span> "
                        f"<span style='color:{color}'>{html.escape(message)}</span>")  # fmt: skip


class ChecksPanel(QWidget):
    """The preflight findings, each with its reason and a Fix button where one exists."""

    fixRequested = Signal(str)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.summary = QLabel("Choose data to check it against the model.")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.list, 1)
        self.findings: list[Finding] = []

    def set_findings(self, findings: list[Finding]) -> None:
        self.findings = list(findings)
        self.list.clear()
        errors = sum(f.severity == "error" for f in findings)
        if not findings:
            self.summary.setText("<span style='color:#8fd0a8'>✓ No known pitfalls found.</span>")
        else:
            self.summary.setText(f"{len(findings)} finding(s){f', {errors} blocking' if errors else ''}.")
        for finding in findings:
            item = QListWidgetItem(self.list)
            row = QWidget()
            text = QLabel(f"<b style='color:{LEVEL_COLORS[finding.severity]}'>{SEVERITY_ICONS[finding.severity]}"
                          f"</b> {html.escape(finding.message)}"
                          + (f"<br><i>{html.escape(finding.fix)}</i>" if finding.fix else ""))  # fmt: skip
            text.setWordWrap(True)
            box = QHBoxLayout(row)
            box.setContentsMargins(4, 4, 4, 4)
            box.addWidget(text, 1)
            if finding.action:
                button = QPushButton("Fix")
                button.setToolTip(finding.fix)
                button.clicked.connect(lambda _c=False, a=finding.action: self.fixRequested.emit(a))
                box.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
            row.setMinimumWidth(100)
            item.setSizeHint(row.sizeHint())
            self.list.setItemWidget(item, row)

    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)


class LayersPanel(QWidget):
    """Layers with weights and a trainable checkbox each; edits apply only while a run is paused."""

    trainableChanged = Signal(list, bool)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.note = QLabel("Pause a run to freeze or unfreeze layers; the change applies from the next batch "
                           "and is marked on the curves.")  # fmt: skip
        self.note.setWordWrap(True)
        self.note.setObjectName("FormSubtitle")
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.list, 1)
        self.list.itemChanged.connect(self._changed)
        self._filling = False

    def set_layers(self, layers: list[tuple[str, bool]]) -> None:
        self._filling = True
        self.list.clear()
        for name, trainable in layers:
            item = QListWidgetItem(name, self.list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if trainable else Qt.CheckState.Unchecked)
        self._filling = False

    def _changed(self, item: QListWidgetItem) -> None:
        if not self._filling:
            self.trainableChanged.emit([item.text()], item.checkState() == Qt.CheckState.Checked)


class RunsPanel(QWidget):
    """Every run of the session with its settings and results; overlay, export as CSV or PNG."""

    overlaysChanged = Signal()  # noqa: N815 - Qt signal naming
    exportCsvRequested = Signal(int)  # noqa: N815 - Qt signal naming
    exportPngRequested = Signal()  # noqa: N815 - Qt signal naming

    HEADERS = ["Overlay", "Run", "Data", "Settings", "Epochs", "Best val_loss", "Final figures", "Ended", "Time"]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table = QTableWidget(0, len(self.HEADERS))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemChanged.connect(lambda item: item.column() == 0 and self.overlaysChanged.emit())
        csv_button = QPushButton("Export Selected Run as CSV…")
        csv_button.clicked.connect(lambda: self.exportCsvRequested.emit(self.selected_index()))
        png_button = QPushButton("Export Charts as PNG…")
        png_button.clicked.connect(self.exportPngRequested)
        buttons = QHBoxLayout()
        buttons.addWidget(csv_button)
        buttons.addWidget(png_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.runs: list[RunRecord] = []

    def add_run(self, run: RunRecord) -> None:
        self.runs.append(run)
        self.table.blockSignals(True)
        row = self.table.rowCount()
        self.table.insertRow(row)
        check = QTableWidgetItem()
        check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        check.setCheckState(Qt.CheckState.Unchecked)
        self.table.setItem(row, 0, check)
        self.table.blockSignals(False)
        self.update_run(run)

    def update_run(self, run: RunRecord) -> None:
        row = self.runs.index(run)
        best = run.best()
        last = {k: v[-1] for k, v in run.history.items() if v and k not in ("learning_rate",) and "loss" not in k}
        values = [run.label, run.dataset, run.summary(), str(run.epochs_run), f"{best:.4f}" if best is not None else "",
                  ", ".join(f"{k} {v:.3f}" for k, v in last.items()), run.reason, f"{run.elapsed_s:.1f} s"]  # fmt: skip
        self.table.blockSignals(True)
        for column, value in enumerate(values, start=1):
            item = QTableWidgetItem(value)
            if column == 7 and run.reason in ("error", "nan"):
                item.setForeground(QColor("#ff8b84"))
            self.table.setItem(row, column, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()

    def selected_index(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else len(self.runs) - 1

    def overlay_runs(self) -> list[RunRecord]:
        return [run for row, run in enumerate(self.runs)
                if self.table.item(row, 0).checkState() == Qt.CheckState.Checked]  # fmt: skip

    def set_overlay(self, index: int, on: bool) -> None:
        self.table.item(index, 0).setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
