"""The Data panel: pick an example dataset or a file, see shapes and a preview, and whether it fits the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.training.catalog import EXAMPLES, example, is_image_data
from engine.datasets import LoadedData, load_data
from engine.datasets.files import csv_columns, hdf5_datasets

FILE_FILTER = "Data (*.npz *.npy *.csv *.h5 *.hdf5)"
PREVIEW_IMAGES = 12
PREVIEW_ROWS = 8
SPLIT_TEXT = "Validation: the last fraction (Settings)"


class DataPanel(QWidget):
    """Chooses the training data; emits ``dataChanged`` with the new :class:`LoadedData` (or None)."""

    dataChanged = Signal(object)  # noqa: N815 - Qt signal naming
    validationChanged = Signal(object)  # noqa: N815 - the separate validation LoadedData, or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: LoadedData | None = None
        self.path: Path | None = None
        self.source = QComboBox()
        self.source.addItem("Choose data…", None)
        for ex in EXAMPLES:
            self.source.addItem(ex.title, ex.title)
        self.source.currentIndexChanged.connect(self._source_chosen)
        open_button = QPushButton("Open File…")
        open_button.clicked.connect(self.open_dialog)
        self.target = QComboBox()  # CSV/.npy target column
        self.x_key = QComboBox()  # HDF5 / npz input dataset
        self.y_key = QComboBox()
        for combo in (self.target, self.x_key, self.y_key):
            combo.activated.connect(self._reload_file)
        self.about = QLabel("")
        self.about.setWordWrap(True)
        self.about.setObjectName("FormSubtitle")
        self.shapes = QLabel("No data chosen.")
        self.shapes.setWordWrap(True)
        self.fit_label = QLabel("")
        self.fit_label.setWordWrap(True)
        self.images = QWidget()
        self.image_grid = QGridLayout(self.images)
        self.image_grid.setSpacing(4)
        self.image_grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.table = QTableWidget()
        self.table.verticalHeader().setVisible(False)
        self.preview = QStackedWidget()
        self.preview.addWidget(self.images)
        self.preview.addWidget(self.table)

        row = QHBoxLayout()
        row.addWidget(self.source, 1)
        row.addWidget(open_button)
        self.file_form = QFormLayout()
        self.file_form.addRow("Target column", self.target)
        self.file_form.addRow("Inputs dataset", self.x_key)
        self.file_form.addRow("Targets dataset", self.y_key)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.about)
        layout.addLayout(self.file_form)
        layout.addWidget(self.shapes)
        layout.addWidget(self.fit_label)
        self.validation: LoadedData | None = None
        self.validation_label = QLabel(SPLIT_TEXT)
        self.validation_label.setWordWrap(True)
        self.validation_label.setObjectName("FormSubtitle")
        validation_file = QPushButton("Validation File…")
        validation_file.setToolTip("Validate on a separate file instead of the last fraction of the training data")
        validation_file.clicked.connect(self.open_validation_dialog)
        self.validation_clear = QPushButton("Use Split")
        self.validation_clear.clicked.connect(lambda: self.set_validation(None))
        self.validation_clear.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.validation_label, 1)
        row.addWidget(validation_file)
        row.addWidget(self.validation_clear)
        layout.addLayout(row)
        layout.addWidget(QLabel("<b>Preview</b>"))
        layout.addWidget(self.preview, 1)
        self._show_file_fields(target=False, keys=False)

    # -- choosing -------------------------------------------------------------------------
    def choose_example(self, title: str) -> None:
        self.source.setCurrentIndex(self.source.findData(title))

    def _source_chosen(self) -> None:
        title = self.source.currentData()
        if title is None:
            return
        ex = example(title)
        self.path = None
        self._show_file_fields(target=False, keys=False)
        self.about.setText(ex.description)
        self._set_data(ex.load())

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open training data", "", FILE_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> bool:
        """Load a user file; a problem is shown in the panel (and returns False)."""
        self.path = Path(path)
        suffix = self.path.suffix.lower()
        self.about.setText(str(self.path))
        try:
            if suffix == ".csv":
                self._fill(self.target, csv_columns(self.path), last=True)
            elif suffix == ".npy":
                columns = np.load(self.path, mmap_mode="r").shape
                self._fill(self.target, [str(i) for i in range(columns[1] if len(columns) == 2 else 0)], last=True)
            elif suffix in (".h5", ".hdf5"):
                names = [name for name, _ in hdf5_datasets(self.path)]
                self._fill(self.x_key, names, prefer="x")
                self._fill(self.y_key, names, prefer="y", last=True)
            elif suffix == ".npz":
                with np.load(self.path) as archive:
                    names = list(archive.files)
                self._fill(self.x_key, names, prefer="x")
                self._fill(self.y_key, names, prefer="y", last=True)
        except Exception as error:  # noqa: BLE001 - any unreadable file is reported in place
            self._failed(f"Cannot read {self.path.name}: {error}")
            return False
        self._show_file_fields(target=suffix in (".csv", ".npy"), keys=suffix in (".h5", ".hdf5", ".npz"))
        self.source.blockSignals(True)
        self.source.setCurrentIndex(0)
        self.source.setItemText(0, self.path.name)
        self.source.blockSignals(False)
        return self._reload_file()

    def _reload_file(self) -> bool:
        if self.path is None:
            return False
        try:
            data = load_data(self.path, self.x_key.currentText() or None, self.y_key.currentText() or None,
                             self.target.currentText() or None)  # fmt: skip
        except Exception as error:  # noqa: BLE001
            self._failed(str(error))
            return False
        self._set_data(data)
        return True

    def _failed(self, message: str) -> None:
        self.data = None
        self.shapes.setText(f"<span style='color:#ff8b84'>✗ {message}</span>")
        self.dataChanged.emit(None)

    @staticmethod
    def _fill(combo: QComboBox, names: list[str], prefer: str = "", last: bool = False) -> None:
        combo.clear()
        combo.addItems(names)
        if prefer in names:
            combo.setCurrentIndex(names.index(prefer))
        elif last and names:
            combo.setCurrentIndex(len(names) - 1)

    def _show_file_fields(self, target: bool, keys: bool) -> None:
        for widget, visible in ((self.target, target), (self.x_key, keys), (self.y_key, keys)):
            widget.setVisible(visible)
            self.file_form.labelForField(widget).setVisible(visible)

    # -- showing --------------------------------------------------------------------------------
    # -- separate validation data ------------------------------------------------------------------
    def open_validation_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open validation data", "", FILE_FILTER)
        if path:
            self.open_validation(path)

    def open_validation(self, path: str | Path) -> bool:
        """Validation data from a file read like the training file (same dataset names / target column)."""
        try:
            data = load_data(path, self.x_key.currentText() or None, self.y_key.currentText() or None,
                             self.target.currentText() or None)  # fmt: skip
        except Exception as error:  # noqa: BLE001
            self.validation_label.setText(f"<span style='color:#ff8b84'>✗ {error}</span>")
            return False
        self.set_validation(data)
        return True

    def set_validation(self, data: LoadedData | None) -> None:
        self.validation = data
        self.validation_clear.setEnabled(data is not None)
        if data is None:
            self.validation_label.setText(SPLIT_TEXT)
        else:
            self.validation_label.setText(f"Validation: {data.describe()}")
        self.validationChanged.emit(data)

    def _set_data(self, data: LoadedData) -> None:
        self.data = data
        y_shape = tuple(data.y.shape[1:]) if data.y is not None else ()
        classes = f", {len(data.class_names)} classes" if data.class_names else ""
        self.shapes.setText(f"<b>{data.samples:,}</b> samples · inputs {_fmt(data.x.shape[1:])} · "
                            f"targets {_fmt(y_shape)}{classes}")  # fmt: skip
        self._preview(data)
        self.dataChanged.emit(data)

    def set_fit_message(self, problems: list[str]) -> None:
        """Whether the data fits the model (from the preflight shape checks)."""
        if problems:
            self.fit_label.setText("<span style='color:#ff8b84'>✗ " + "<br>✗ ".join(problems) + "</span>")
        else:
            self.fit_label.setText("<span style='color:#8fd0a8'>✓ Fits the model's input and output</span>")

    def _preview(self, data: LoadedData) -> None:
        while self.image_grid.count():
            self.image_grid.takeAt(0).widget().deleteLater()
        count = min(PREVIEW_IMAGES if is_image_data(data.x) else PREVIEW_ROWS, data.samples)
        x = np.asarray(data.x[:count])
        y = np.asarray(data.y[:count]) if data.y is not None else None
        if is_image_data(data.x):
            for i in range(count):
                cell = QLabel()
                cell.setPixmap(_pixmap(x[i], 48))
                cell.setToolTip(f"sample {i}: target {_target_text(y, i, data)}")
                caption = QLabel(_target_text(y, i, data))
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                box = QVBoxLayout()
                holder = QWidget()
                holder.setLayout(box)
                box.setContentsMargins(0, 0, 0, 0)
                box.addWidget(cell, 0, Qt.AlignmentFlag.AlignCenter)
                box.addWidget(caption)
                self.image_grid.addWidget(holder, i // 6, i % 6)
            self.preview.setCurrentWidget(self.images)
            return
        flat = x.reshape(count, -1)
        columns = min(flat.shape[1], 8)
        names = data.feature_names[:columns] or [f"x[{i}]" for i in range(columns)]
        self.table.setColumnCount(columns + 1)
        self.table.setRowCount(count)
        self.table.setHorizontalHeaderLabels([*names, "target"])
        for r in range(count):
            for c in range(columns):
                self.table.setItem(r, c, QTableWidgetItem(f"{flat[r, c]:.3g}"))
            self.table.setItem(r, columns, QTableWidgetItem(_target_text(y, r, data)))
        self.table.resizeColumnsToContents()
        self.preview.setCurrentWidget(self.table)


def _pixmap(image: np.ndarray, size: int) -> QPixmap:
    array = np.asarray(image, dtype=float)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    low, high = float(array.min()), float(array.max())
    scaled = ((array - low) / (high - low or 1.0) * 255).astype(np.uint8)
    scaled = np.ascontiguousarray(scaled)
    fmt = QImage.Format.Format_Grayscale8 if scaled.ndim == 2 else QImage.Format.Format_RGB888
    qimage = QImage(scaled.data, scaled.shape[1], scaled.shape[0], scaled.strides[0], fmt)
    return QPixmap.fromImage(qimage.copy()).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                                   Qt.TransformationMode.FastTransformation)  # fmt: skip


def _target_text(y: np.ndarray | None, i: int, data: LoadedData) -> str:
    if y is None:
        return ""
    value = y[i]
    if (
        np.ndim(value) == 0
        and data.class_names
        and float(value).is_integer()
        and 0 <= int(value) < len(data.class_names)
    ):
        return data.class_names[int(value)]
    if np.ndim(value) == 1 and value.size > 1:
        return str(int(np.argmax(value)))
    return f"{float(np.ravel(value)[0]):.3g}"


def _fmt(shape: tuple) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"
