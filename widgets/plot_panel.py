"""``PlotPanel``: a live line plot for fast-growing series. Knows nothing of the engine.

Curves are created once (``add_series``) and only ever updated with ``setData``: ``append`` puts
points in a buffer, and a ~50 ms timer drains every buffer and redraws the curves that changed, so
a producer appending thousands of points a second costs at most 20 redraws a second. Long series
are peak-downsampled and clipped to the view. Extras: a log-scale toggle, a hover read-out of the
nearest point, dashed overlays of earlier runs, and vertical markers with a label.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

DRAIN_MS = 50
BACKGROUND = "#1f2329"
FOREGROUND = "#c3cad6"
GRID_ALPHA = 0.15


@dataclass
class _Series:
    label: str
    curve: pg.PlotDataItem
    color: str = FOREGROUND
    dashed: bool = False
    symbol: str | None = None
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    pending: bool = False


class PlotPanel(QWidget):
    """A titled plot with named series, buffered appends, log scale, hover, overlays and markers.

    Signals:
        hovered(str): the hover read-out text ("" when the pointer leaves the data).
    """

    hovered = Signal(str)

    def __init__(
        self,
        title: str = "",
        x_label: str = "",
        y_label: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=BACKGROUND)
        self.plot.setMinimumHeight(140)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.setDownsampling(auto=True, mode="peak")
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen("#4a515c"))
            item.getAxis(axis).setTextPen(pg.mkPen(FOREGROUND))
            item.getAxis(axis).enableAutoSIPrefix(False)
        item.getAxis("left").setWidth(58)  # room for labels like 0.0005 without the axis jumping as they change
        if x_label:
            item.setLabel("bottom", x_label, color=FOREGROUND)
        if y_label:
            item.setLabel("left", y_label, color=FOREGROUND)
        self.title = QLabel(title)
        self.title.setObjectName("PlotTitle")
        self.title.setStyleSheet("font-weight: bold;")
        self.log_box = QCheckBox("Log scale")
        self.log_box.toggled.connect(self.set_log_y)
        self.readout = QLabel("")
        self.readout.setObjectName("PlotReadout")
        self.readout.setStyleSheet(f"color: {FOREGROUND};")
        # The legend sits above the plot, never over the data.
        self.key = QLabel("")
        self.key.setObjectName("PlotLegend")
        self.key.setWordWrap(True)
        self.key.setStyleSheet(f"color: {FOREGROUND}; font-size: 9pt;")
        self.key.setContentsMargins(4, 0, 4, 0)
        header = QHBoxLayout()
        header.setContentsMargins(4, 2, 4, 0)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.readout)
        header.addSpacing(8)
        header.addWidget(self.log_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.key)
        layout.addWidget(self.plot, 1)
        self.series: dict[str, _Series] = {}
        self.overlays: list[pg.PlotDataItem] = []
        self._overlay_keys: list[tuple[str, str]] = []
        self.markers: list[pg.InfiniteLine] = []
        self.redraws = 0
        self.timer = QTimer(self)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self.drain)
        self.timer.start()
        self._hover = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        self._dot = pg.ScatterPlotItem(size=9, pen=pg.mkPen("#ffffff", width=1.5), brush=pg.mkBrush(0, 0, 0, 0))
        self._dot.setZValue(50)
        item.addItem(self._dot, ignoreBounds=True)

    # -- series ------------------------------------------------------------------
    def add_series(
        self,
        key: str,
        label: str,
        color: str,
        width: float = 2.0,
        dashed: bool = False,
        alpha: int = 255,
        symbol: str | None = None,
    ) -> None:
        """Create a curve once (again with the same key: no-op)."""
        if key in self.series:
            return
        qcolor = pg.mkColor(color)
        qcolor.setAlpha(alpha)
        pen = pg.mkPen(qcolor, width=width, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
        options = {"symbol": symbol, "symbolSize": 6, "symbolBrush": qcolor, "symbolPen": None} if symbol else {}
        curve = self.plot.plot([], [], pen=pen, **options)
        self.series[key] = _Series(label, curve, color, dashed, symbol)
        self._update_key()

    def _update_key(self) -> None:
        entries = [_key_entry(s.color, s.label, s.dashed, s.symbol) for s in self.series.values()]
        entries += [_key_entry(color, label, True, None) for label, color in self._overlay_keys]
        self.key.setText("&nbsp;&nbsp; ".join(entries))
        self.key.setVisible(bool(entries))

    def remove_series(self, key: str) -> None:
        """Remove a curve and its legend entry."""
        series = self.series.pop(key, None)
        if series is not None:
            self.plot.removeItem(series.curve)
            self._update_key()

    def append(self, key: str, x: float, y: float) -> None:
        """Buffer one point; it is drawn at the next drain."""
        series = self.series[key]
        series.xs.append(float(x))
        series.ys.append(float(y))
        series.pending = True

    def set_points(self, key: str, xs: list[float], ys: list[float]) -> None:
        """Replace a series' points (drawn at the next drain)."""
        series = self.series[key]
        series.xs, series.ys = [float(v) for v in xs], [float(v) for v in ys]
        series.pending = True

    def points(self, key: str) -> tuple[list[float], list[float]]:
        series = self.series[key]
        return list(series.xs), list(series.ys)

    def drawn_count(self, key: str) -> int:
        """How many points the curve shows now (what the user sees, after the last drain)."""
        xs, _ = self.series[key].curve.getOriginalDataset()
        return 0 if xs is None else len(xs)

    def drain(self) -> None:
        """Redraw the series with new points (called by the timer; public for tests and exports)."""
        for series in self.series.values():
            if series.pending:
                series.pending = False
                series.curve.setData(np.asarray(series.xs), self._y(series.ys))
                self.redraws += 1

    def keep_flat_visible(self) -> None:
        """A constant series (a fixed learning rate) gets a y range around its value instead of ±0.5 around it."""
        values = [v for s in self.series.values() for v in s.ys if math.isfinite(v)]
        if values and not self.log_box.isChecked():
            low, high = min(values), max(values)
            if high - low <= 1e-12 * max(abs(high), 1e-30):
                self.plot.getPlotItem().setYRange(0, high * 1.25 if high > 0 else 1.0, padding=0)
            else:
                self.plot.getPlotItem().enableAutoRange(axis="y")

    def _y(self, ys: list[float]) -> np.ndarray:
        values = np.asarray(ys, dtype=float)
        if self.log_box.isChecked():
            values = np.where(values > 0, values, np.nan)  # log of non-positive values is not drawn
        return values

    def clear(self) -> None:
        """Empty every series (the curves stay), overlays and markers."""
        for series in self.series.values():
            series.xs, series.ys = [], []
            series.pending = True
        self.clear_overlays()
        for line in self.markers:
            self.plot.removeItem(line)
        self.markers = []
        self.drain()

    # -- log scale, overlays, markers ------------------------------------------
    def set_log_y(self, on: bool) -> None:
        if self.log_box.isChecked() != on:
            self.log_box.setChecked(on)
            return
        self.plot.getPlotItem().setLogMode(y=on)
        for series in self.series.values():
            series.pending = True
        self.drain()

    def add_overlay(self, label: str, xs: list[float], ys: list[float], color: str = "#8a94a6") -> None:
        """A faint dashed curve (an earlier run) for comparison."""
        qcolor = pg.mkColor(color)
        qcolor.setAlpha(150)
        curve = self.plot.plot(np.asarray(xs, float), self._y(ys),
                               pen=pg.mkPen(qcolor, width=1.5, style=Qt.PenStyle.DashLine))  # fmt: skip
        curve.setZValue(-10)
        self.overlays.append(curve)
        self._overlay_keys.append((label, color))
        self._update_key()

    def clear_overlays(self) -> None:
        for curve in self.overlays:
            self.plot.removeItem(curve)
        self.overlays = []
        self._overlay_keys = []
        self._update_key()

    def add_marker(self, x: float, text: str, color: str = "#e5c07b") -> None:
        """A vertical line at ``x`` with a label (where something changed)."""
        line = pg.InfiniteLine(pos=x, angle=90, pen=pg.mkPen(color, width=1, style=Qt.PenStyle.DotLine),
                               label=text, labelOpts={"position": 0.4, "color": color, "movable": False,
                                                      "fill": pg.mkBrush(31, 35, 41, 210)})  # fmt: skip
        self.plot.addItem(line)
        self.markers.append(line)

    # -- hover ---------------------------------------------------------------------
    def _mouse_moved(self, event: tuple) -> None:
        self.show_nearest(event[0])

    def show_nearest(self, scene_pos: QPointF) -> str:
        """Show the value of the data point nearest to ``scene_pos`` (in pixels); returns the text."""
        item = self.plot.getPlotItem()
        if not item.sceneBoundingRect().contains(scene_pos):
            return self._set_readout("", None)
        view = item.getViewBox()
        best: tuple[float, str, float, float] | None = None
        for series in self.series.values():
            if not series.xs or not series.curve.isVisible():
                continue
            window = self._window(np.asarray(series.xs), view)
            log = self.log_box.isChecked()
            for x, y in zip(series.xs[window], series.ys[window]):
                point = view.mapViewToScene(QPointF(x, math.log10(y) if log and y > 0 else y))
                distance = math.hypot(point.x() - scene_pos.x(), point.y() - scene_pos.y())
                if best is None or distance < best[0]:
                    best = (distance, series.label, x, y)
        if best is None or best[0] > 40:
            return self._set_readout("", None)
        _, label, x, y = best
        shown_y = math.log10(y) if self.log_box.isChecked() and y > 0 else y
        return self._set_readout(f"{label}: {y:.4g} at {x:g}", (x, shown_y))

    @staticmethod
    def _window(xs: np.ndarray, view: pg.ViewBox) -> slice:
        """Points inside the visible x range (x ascending; at most ~400 of them), so hover stays cheap."""
        (x0, x1), _ = view.viewRange()
        start = int(np.searchsorted(xs, x0))
        stop = int(np.searchsorted(xs, x1, side="right"))
        step = max((stop - start) // 400, 1)
        return slice(max(start - 1, 0), stop + 1, step)

    def _set_readout(self, text: str, point: tuple[float, float] | None) -> str:
        self.readout.setText(text)
        self._dot.setData([point[0]] if point else [], [point[1]] if point else [])
        self.hovered.emit(text)
        return text

    def export_png(self, path: str) -> bool:
        """Save the panel as it looks now (after drawing pending points)."""
        self.drain()
        return self.grab().save(str(path), "PNG")


def _key_entry(color: str, label: str, dashed: bool, symbol: str | None) -> str:
    line = "╌╌" if dashed else "━━"
    mark = {"o": "●", "t": "▼", "s": "■"}.get(symbol or "", "")
    text = html.escape(label).replace(" ", "&nbsp;")  # an entry never wraps inside itself
    return f"<span style='color:{color}'>{line}{mark}</span>&nbsp;{text}"
