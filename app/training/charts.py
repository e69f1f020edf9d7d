"""The live training charts: loss, metrics, learning rate and per-layer gradient norms.

Every x axis is in epochs: a batch at step ``s`` of ``n`` in epoch ``e`` sits at ``e + (s + 1) / n``,
and an epoch's figures at ``e + 1``, so batch and epoch curves line up.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtWidgets import QApplication, QComboBox, QGridLayout, QWidget

from app.training.runs import RunRecord
from app.training.settings_form import INFERENCE_TIP
from widgets.plot_panel import PlotPanel

COLORS = ["#5b8def", "#e5534b", "#57ab5a", "#e0823d", "#b083f0", "#56b6c2", "#e5c07b", "#e06c9f", "#98a2b3"]
SMOOTHING = 0.9  # exponential moving average of the batch losses (TensorBoard's default is 0.6..0.9)


class TrainingCharts(QWidget):
    """Four PlotPanels in a grid, fed by the dashboard with plain numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss = PlotPanel("Loss", "epoch", "")
        self.metrics = PlotPanel("Metrics", "epoch", "")
        self.lr = PlotPanel("Learning rate", "epoch", "")
        self.gradients = PlotPanel("Per layer", "epoch", "")
        self.norm_kind = QComboBox()
        self.norm_kind.addItems(["Gradient norm", "Weight norm"])
        self.norm_kind.setToolTip(
            "Gradient norms (RMS over each epoch's batches) show vanishing or exploding gradients; "
            "weight norms show layers that grow without bound or stop changing."
        )
        self.norm_kind.currentIndexChanged.connect(self._show_norms)
        self.gradients.add_header_widget(self.norm_kind)
        self.gradients.set_log_y(True)
        layout = QGridLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(6)
        layout.addWidget(self.loss, 0, 0)
        layout.addWidget(self.metrics, 0, 1)
        layout.addWidget(self.lr, 1, 0)
        layout.addWidget(self.gradients, 1, 1)
        layout.setRowStretch(0, 3)
        layout.setRowStretch(1, 2)
        self.panels = [self.loss, self.metrics, self.lr, self.gradients]
        self.reset()

    def reset(self, epochs: int | None = None) -> None:
        """Empty charts with the fixed loss curves (metric and layer curves appear as they are first seen).

        With the run's ``epochs`` the x axes are fixed up front, so they never rescale while it runs.
        """
        self._epochs = epochs or 0
        for panel in self.panels:
            panel.clear()
            if epochs:
                panel.set_x_range(0, epochs)
        for panel in (self.metrics, self.gradients):
            for key in list(panel.series):
                panel.remove_series(key)
        loss = self.loss
        loss.add_series("batch", "batch loss", "#5b8def", width=1.0, alpha=70)
        loss.add_series("smooth", "batch loss (smoothed)", "#5b8def", width=1.5)
        loss.add_series("loss", "train loss (epoch)", "#8fb4ff", width=2.5, symbol="o")
        loss.add_series("val_loss", "validation loss", "#e5534b", width=2.5, symbol="o")
        loss.add_series("inference_loss", "train loss, inference mode", "#57ab5a", width=2.0, dashed=True, symbol="t")
        loss.plot.setToolTip(INFERENCE_TIP)
        self.lr.add_series("lr", "learning rate", "#e5c07b", width=2.0)
        self._norms: dict[str, dict[str, list[tuple[float, float]]]] = {"grad_norms": {}, "weight_norms": {}}
        self._smooth: float | None = None
        self._lr: float | None = None
        self._lr_x = 0.0
        self._colors: dict[str, str] = {}

    def _color(self, name: str) -> str:
        if name not in self._colors:
            self._colors[name] = COLORS[len(self._colors) % len(COLORS)]
        return self._colors[name]

    # -- feeding -------------------------------------------------------------------------------
    def add_batch(self, payload: dict[str, Any]) -> None:
        x = payload["epoch"] + (payload["step"] + 1) / max(payload["steps"], 1)
        loss = payload["loss"]
        if math.isfinite(loss):  # a NaN batch is reported in the log; a gap in the curve shows where
            self.loss.append("batch", x, loss)
            self._smooth = loss if self._smooth is None else SMOOTHING * self._smooth + (1 - SMOOTHING) * loss
            self.loss.append("smooth", x, self._smooth)
        # The learning rate is drawn as steps: a point where it changes (and one per epoch), not per batch.
        lr = payload["lr"]
        if self._lr is None:
            self.lr.append("lr", x - 1 / max(payload["steps"], 1), lr)
        elif lr != self._lr:
            self.lr.append("lr", self._lr_x, self._lr)
            self.lr.append("lr", x, lr)
        self._lr, self._lr_x = lr, x

    def add_epoch(self, payload: dict[str, Any]) -> None:
        x = payload["epoch"] + 1
        if math.isfinite(payload.get("lr", float("nan"))):
            self.lr.append("lr", x, payload["lr"])
            self._lr, self._lr_x = payload["lr"], x
        logs = {k: v for k, v in payload["logs"].items() if math.isfinite(v)}
        for key in ("loss", "val_loss", "inference_loss"):
            if key in logs:
                self.loss.append(key, x, logs[key])
        for key, value in logs.items():
            if key in ("loss", "val_loss", "inference_loss", "learning_rate") or key.endswith("_loss"):
                continue
            base = key.removeprefix("val_")
            self.metrics.add_series(key, key, self._color(base), width=2.0, dashed=key.startswith("val_"), symbol="o")
            self.metrics.append(key, x, value)
        shown = self._norm_key()
        for key in ("grad_norms", "weight_norms"):
            for layer, norm in payload.get(key, {}).items():
                self._norms[key].setdefault(layer, []).append((x, norm))
                if key == shown:
                    self.gradients.add_series(layer, layer, self._color(f"layer:{layer}"), width=2.0, symbol="o")
                    self.gradients.append(layer, x, norm)

    def _norm_key(self) -> str:
        return "grad_norms" if self.norm_kind.currentIndex() == 0 else "weight_norms"

    def _show_norms(self) -> None:
        """Switch the per-layer panel between gradient and weight norms (from the run's stored figures)."""
        for key in list(self.gradients.series):
            self.gradients.remove_series(key)
        for layer, points in self._norms[self._norm_key()].items():
            self.gradients.add_series(layer, layer, self._color(f"layer:{layer}"), width=2.0, symbol="o")
            self.gradients.set_points(layer, [p[0] for p in points], [p[1] for p in points])
        self.gradients.drain()

    def add_marker(self, payload: dict[str, Any], steps: int) -> None:
        x = payload["global_step"] / max(steps, 1)
        for panel in (self.loss, self.lr):
            panel.add_marker(x, payload["text"])

    # -- comparing runs ------------------------------------------------------------------------------
    def show_overlays(self, runs: list[RunRecord]) -> None:
        """Earlier runs' epoch losses (and metrics) as faint dashed curves."""
        for panel in (self.loss, self.metrics):
            panel.clear_overlays()
        longest = self._epochs
        for index, run in enumerate(runs):
            color = COLORS[(index + 3) % len(COLORS)]
            for key in ("loss", "val_loss"):
                values = run.history.get(key)
                if values:
                    self.loss.add_overlay(f"{run.label}: {key}", list(range(1, len(values) + 1)), values, color,
                                          dotted=key.startswith("val_"))  # fmt: skip
            for key, values in run.history.items():
                if not key.endswith("loss") and key != "learning_rate" and values:
                    self.metrics.add_overlay(f"{run.label}: {key}", list(range(1, len(values) + 1)), values, color,
                                             dotted=key.startswith("val_"))  # fmt: skip
            longest = max(longest, run.epochs_run)
        if longest and longest != self._epochs:  # the whole of a longer earlier run stays in view
            for panel in self.panels:
                panel.set_x_range(0, longest)

    def drain(self) -> None:
        """Draw every buffered point now, and let the views catch up (exports, screenshots, the run's end)."""
        for panel in self.panels:
            panel.drain()
        QApplication.processEvents()  # clip-to-view re-clips once the new x range is known
