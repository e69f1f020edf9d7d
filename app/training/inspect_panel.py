"""Looking inside the trained model: a layer's output for one sample, and predictions with a confusion matrix."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine.backend import to_numpy
from widgets.plot_panel import delete_menus_with

ModelSource = Callable[[], Any]
DataSource = Callable[[], tuple[Any, Any, float]]  # x, y, validation fraction


def layer_output(model: Any, layer_name: str, sample: np.ndarray, training: bool = False) -> np.ndarray:
    """The output of ``layer_name`` for one sample (batch of one), via a sub-model from the model's input."""
    from engine.models import Model

    layer = model.get_layer(layer_name)
    sub = Model(model.inputs, layer.output, name=f"{model.name}_to_{layer_name}")
    out = sub(np.asarray(sample, dtype="float32"), training=training)
    out = out[0] if isinstance(out, list) else out
    return to_numpy(out.data)[0]


def tile_maps(maps: np.ndarray, limit: int = 64) -> np.ndarray:
    """Feature maps (h, w, c) as one image grid, each map scaled to [0, 1], with 1-pixel gaps."""
    h, w, c = maps.shape
    c = min(c, limit)
    cols = math.ceil(math.sqrt(c))
    rows = math.ceil(c / cols)
    grid = np.full((rows * (h + 1) - 1, cols * (w + 1) - 1), np.nan)
    for i in range(c):
        m = maps[..., i].astype(float)
        span = m.max() - m.min()
        m = (m - m.min()) / (span if span > 0 else 1.0)
        r, k = divmod(i, cols)
        grid[r * (h + 1) : r * (h + 1) + h, k * (w + 1) : k * (w + 1) + w] = m
    return grid


class InsidePanel(QWidget):
    """Select a layer and a sample; see that layer's output (image grid, heatmap or bars)."""

    def __init__(self, model_source: ModelSource, data_source: DataSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_source, self.data_source = model_source, data_source
        self.layer = QComboBox()
        self.sample = QSpinBox()
        self.sample.setRange(0, 0)
        self.mode = QComboBox()
        self.mode.addItems(["Inference mode", "Training mode"])
        self.mode.setToolTip("Training mode switches dropout and noise layers on, and BatchNormalization to batch "
                             "statistics.")  # fmt: skip
        show = QPushButton("Show")
        show.clicked.connect(self.show_output)
        self.info = QLabel("Train or open a model, choose data, then pick a layer.")
        self.info.setObjectName("FormSubtitle")
        self.view = pg.GraphicsLayoutWidget()
        self.view.setBackground("#1f2329")
        self.plot = self.view.addPlot()
        delete_menus_with(self, self.plot)  # pyqtgraph's parentless context menus go with this panel
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        self.image = pg.ImageItem()
        self.image.setColorMap(pg.colormap.get("viridis"))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8, brush="#5b8def")
        self.plot.addItem(self.image)
        self.plot.addItem(self.bars)
        row = QHBoxLayout()
        for label, widget in (("Layer", self.layer), ("Sample", self.sample), ("", self.mode)):
            if label:
                row.addWidget(QLabel(label))
            row.addWidget(widget)
        row.addWidget(show)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        self.last_output: np.ndarray | None = None

    def refresh(self, layer_names: list[str], samples: int) -> None:
        current = self.layer.currentText()
        self.layer.clear()
        self.layer.addItems(layer_names)
        if current in layer_names:
            self.layer.setCurrentText(current)
        self.sample.setRange(0, max(samples - 1, 0))

    def show_output(self) -> np.ndarray | None:
        model = self.model_source()
        x, _, _ = self.data_source()
        if model is None or x is None or not self.layer.currentText():
            self.info.setText("Needs a valid model and data.")
            return None
        index = self.sample.value()
        sample = np.asarray(x[index : index + 1])
        try:
            out = layer_output(model, self.layer.currentText(), sample, self.mode.currentIndex() == 1)
        except Exception as error:  # noqa: BLE001 - shown in place
            self.info.setText(f"Cannot compute this layer's output: {error}")
            return None
        self.last_output = out
        self._draw(out)
        self.info.setText(f"'{self.layer.currentText()}' output for sample {index}: shape {out.shape}, "
                          f"min {out.min():.3g}, max {out.max():.3g}, mean {out.mean():.3g}")  # fmt: skip
        return out

    def _draw(self, out: np.ndarray) -> None:
        self.image.clear()
        self.bars.setOpts(x=[], height=[])
        if out.ndim == 3:  # feature maps
            self.image.setImage(tile_maps(out).T, autoLevels=True)
        elif out.ndim == 2:  # a sequence: time x features
            self.image.setImage(out.astype(float), autoLevels=True)
        else:
            values = np.ravel(out).astype(float)
            self.bars.setOpts(x=np.arange(len(values)), height=values, width=0.8)
        self.plot.autoRange()


class PredictionsPanel(QWidget):
    """Predictions next to targets for the held-out samples, and a confusion matrix for classifiers."""

    ROWS = 40

    def __init__(self, model_source: ModelSource, data_source: DataSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_source, self.data_source = model_source, data_source
        predict = QPushButton("Predict")
        predict.clicked.connect(self.predict)
        self.info = QLabel("Predicts the validation samples (the last fraction), or all samples without a split.")
        self.info.setObjectName("FormSubtitle")
        self.info.setWordWrap(True)
        self.samples = QTableWidget(0, 4)
        self.samples.setHorizontalHeaderLabels(["Sample", "Target", "Prediction", "Confidence"])
        self.samples.verticalHeader().setVisible(False)
        self.confusion = QTableWidget(0, 0)
        self.confusion.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.samples)
        matrix_box = QWidget()
        matrix_layout = QVBoxLayout(matrix_box)
        matrix_layout.setContentsMargins(0, 0, 0, 0)
        matrix_layout.addWidget(QLabel("Confusion matrix (rows: true class, columns: predicted)"))
        matrix_layout.addWidget(self.confusion, 1)
        splitter.addWidget(matrix_box)
        splitter.setSizes([300, 500])
        row = QHBoxLayout()
        row.addWidget(predict)
        row.addWidget(self.info, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(splitter, 1)
        self.matrix: np.ndarray | None = None

    def predict(self) -> np.ndarray | None:
        model = self.model_source()
        x, y, fraction = self.data_source()
        if model is None or x is None:
            self.info.setText("Needs a valid model and data.")
            return None
        count = len(x)
        start = int(count * (1 - fraction)) if 0 < fraction < 1 else 0
        xs, ys = np.asarray(x[start:]), np.asarray(y[start:]) if y is not None else None
        try:
            out = model.predict(xs, batch_size=model._stateful_batch_size() or 256, verbose=0)
        except Exception as error:  # noqa: BLE001
            self.info.setText(f"Cannot predict: {error}")
            return None
        out = out[0] if isinstance(out, list) else out
        classify = out.ndim == 2 and out.shape[1] > 1
        predicted = out.argmax(axis=1) if classify else (out.reshape(len(out), -1)[:, 0])
        targets = None if ys is None else (ys.argmax(axis=1) if ys.ndim == 2 and ys.shape[1] > 1 else ys.reshape(-1))
        self._fill_samples(start, targets, predicted, out, classify)
        if classify and targets is not None:
            self.matrix = confusion_matrix(targets.astype(int), predicted.astype(int), out.shape[1])
            self._fill_confusion(self.matrix)
            accuracy = np.trace(self.matrix) / max(self.matrix.sum(), 1)
            self.info.setText(f"{len(xs):,} samples from #{start}: accuracy {accuracy:.1%}")
        else:
            error = np.mean(np.abs(predicted - targets)) if targets is not None else float("nan")
            self.info.setText(f"{len(xs):,} samples from #{start}: mean absolute error {error:.4g}")
        return out

    def _fill_samples(self, start: int, targets: Any, predicted: Any, out: Any, classify: bool) -> None:
        rows = min(self.ROWS, len(predicted))
        self.samples.setRowCount(rows)
        for r in range(rows):
            confidence = f"{out[r].max():.2f}" if classify else ""
            target = "" if targets is None else f"{targets[r]:g}"
            values = [str(start + r), target, f"{predicted[r]:g}", confidence]
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c == 2 and targets is not None and classify and predicted[r] != targets[r]:
                    item.setForeground(QColor("#ff8b84"))
                self.samples.setItem(r, c, item)
        self.samples.resizeColumnsToContents()

    def _fill_confusion(self, matrix: np.ndarray) -> None:
        n = matrix.shape[0]
        self.confusion.setRowCount(n)
        self.confusion.setColumnCount(n)
        labels = [str(i) for i in range(n)]
        self.confusion.setHorizontalHeaderLabels(labels)
        self.confusion.setVerticalHeaderLabels(labels)
        self.confusion.setToolTip("Rows: true class · columns: predicted class")
        peak = max(int(matrix.max()), 1)
        for r in range(n):
            for c in range(n):
                value = int(matrix[r, c])
                item = QTableWidgetItem(str(value))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                strength = value / peak
                base = (87, 171, 90) if r == c else (229, 83, 75)
                item.setBackground(QColor(*(int(31 + (b - 31) * strength) for b in base)))
                self.confusion.setItem(r, c, item)
        for i in range(n):
            self.confusion.setColumnWidth(i, 38)
            self.confusion.setRowHeight(i, 22)


def confusion_matrix(targets: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """Counts of (true class, predicted class) pairs."""
    matrix = np.zeros((classes, classes), dtype=int)
    valid = (targets >= 0) & (targets < classes)
    np.add.at(matrix, (targets[valid], predicted[valid]), 1)
    return matrix
