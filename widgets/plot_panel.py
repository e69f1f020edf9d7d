"""``PlotPanel``: a live line plot for fast-growing series. Knows nothing of the engine.

Curves are created once (``add_series``) and only ever updated with ``setData``: ``append`` puts
points in a buffer, and a ~100 ms timer drains every buffer and redraws the curves that changed, so
a producer appending thousands of points a second costs at most 10 redraws a second (none while the
panel is hidden). Axes grow with slack, so a steadily falling loss rescales (and repaints the axis
labels, most of a redraw's cost) a few times a run, not at every redraw. Long series are
peak-downsampled and clipped to the view. Extras: a log-scale toggle, a hover read-out of the
nearest point, dashed overlays of earlier runs, and vertical markers with a label.
"""

from __future__ import annotations

import html
import math
import time
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QGraphicsObject,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

DRAIN_MS = 100
MAX_DRAIN_MS = 1000
HOVER_MS = 33  # hover read-outs at most ~30 times a second
PAINT_SHARE = 100  # redraw interval >= 100 x the last paint time: 1% of a core per panel
HEADROOM = 0.08  # of the data's span, above and below it, so points never sit on the frame
GROW_SLACK = 0.35  # of the span, added on the side where the data left the view
BACKGROUND = "#1f2329"
FOREGROUND = "#c3cad6"
GRID_ALPHA = 0.15


def delete_menus_with(owner: QWidget, item: pg.PlotItem) -> None:
    """Delete ``item``'s context menus (pyqtgraph makes them without a Qt parent; their submenus and option
    forms are their children) together with ``owner``.

    Otherwise they live until Python's cycle collector gets to pyqtgraph's objects, and meanwhile every
    style change and window polish walks dozens of dead menus per plot: studio windows got slower to open
    with each one closed before. (Not made children of ``owner``: that would polish them with it.)
    """
    menus = [m for m in (item.ctrlMenu, item.getViewBox().menu) if m is not None and m.parent() is None]
    owner.destroyed.connect(partial(_delete_widgets, menus))


def _delete_widgets(widgets: list[QWidget], *_args: object) -> None:
    for widget in widgets:
        if shiboken6.isValid(widget):
            shiboken6.delete(widget)  # its submenus and their forms (its children) go with it
    widgets.clear()


class _Buffer:
    """Growing x/y arrays (capacity doubles), so appends are O(1) and drawing never copies a Python list."""

    def __init__(self) -> None:
        self._x = np.empty(64)
        self._y = np.empty(64)
        self.size = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.size]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.size]

    def append(self, x: float, y: float) -> None:
        if self.size == len(self._x):
            self._x = np.concatenate([self._x, np.empty_like(self._x)])
            self._y = np.concatenate([self._y, np.empty_like(self._y)])
        self._x[self.size], self._y[self.size] = x, y
        self.size += 1

    def set(self, xs: list[float], ys: list[float]) -> None:
        self._x, self._y = np.array(xs, dtype=float), np.array(ys, dtype=float)
        self.size = len(self._x)
        if self.size == 0:
            self._x, self._y = np.empty(64), np.empty(64)


@dataclass
class _Series:
    label: str
    curve: pg.PlotDataItem
    color: str = FOREGROUND
    dashed: bool = False
    symbol: str | None = None
    buffer: _Buffer = field(default_factory=_Buffer)
    pending: bool = False

    @property
    def xs(self) -> np.ndarray:
        return self.buffer.x

    @property
    def ys(self) -> np.ndarray:
        return self.buffer.y


class _TimedPlotWidget(pg.PlotWidget):
    """A PlotWidget that remembers how long its last paint took (for throttling redraws)."""

    paint_s = 0.004  # a typical paint until the first ones are measured: no burst of fast redraws at the start

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        started = time.perf_counter()
        super().paintEvent(event)
        self.paint_s = 0.8 * self.paint_s + 0.2 * (time.perf_counter() - started)


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
        self.plot = _TimedPlotWidget(background=BACKGROUND)
        delete_menus_with(self, self.plot.getPlotItem())
        self.plot.setMinimumHeight(140)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=GRID_ALPHA)
        item.setDownsampling(auto=True, mode="peak")
        # Ranges are managed by hand (see _fit_ranges): an axis that rescales on every update repaints
        # its labels each time, which is most of a plot's drawing cost.
        item.disableAutoRange()
        self._x_range: tuple[float, float] | None = None
        for axis in ("left", "bottom"):
            # Axes are redrawn from a cached pixmap while their range stays the same.
            item.getAxis(axis).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
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
        self._header = header
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
        # Runs only while points wait to be drawn: an idle panel never wakes the GUI thread (each wake-up
        # takes the GIL from a training thread).
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DRAIN_MS)
        self.timer.timeout.connect(self._tick)
        self._scheduled = False
        # Hover read-outs at most every HOVER_MS (a QTimer child, not pg.SignalProxy: that one and its timers are
        # parentless QObjects in reference cycles, freed by whichever thread next runs the cycle collector).
        self._hover_pos: QPointF | None = None
        self._hover_timer = QTimer(self)
        self._hover_timer.setSingleShot(True)
        self._hover_timer.setInterval(HOVER_MS)
        self._hover_timer.timeout.connect(self._hover_now)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
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

    def add_header_widget(self, widget: QWidget) -> None:
        """Put a control (a selector, a button) in the title row, before the log-scale box."""
        self._header.insertWidget(self._header.indexOf(self.log_box), widget)

    def remove_series(self, key: str) -> None:
        """Remove a curve and its legend entry."""
        series = self.series.pop(key, None)
        if series is not None:
            _discard(self.plot, series.curve)
            self._update_key()

    def append(self, key: str, x: float, y: float) -> None:
        """Buffer one point; it is drawn at the next drain."""
        series = self.series[key]
        series.buffer.append(float(x), float(y))
        series.pending = True
        if not self._scheduled:
            self._schedule()

    def set_points(self, key: str, xs: list[float], ys: list[float]) -> None:
        """Replace a series' points (drawn at the next drain)."""
        series = self.series[key]
        series.buffer.set(xs, ys)
        series.pending = True
        if not self._scheduled:
            self._schedule()

    def points(self, key: str) -> tuple[list[float], list[float]]:
        series = self.series[key]
        return series.xs.tolist(), series.ys.tolist()

    def drawn_count(self, key: str) -> int:
        """How many points the curve shows now (what the user sees, after the last drain)."""
        xs, _ = self.series[key].curve.getOriginalDataset()
        return 0 if xs is None else len(xs)

    def _schedule(self) -> None:
        self._scheduled = True
        self.timer.start()

    def _tick(self) -> None:
        self._scheduled = False
        if self.isVisible():  # a hidden panel (another tab, a closed dock) is drawn when it is shown
            self.drain()

    def showEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.drain()

    def drain(self) -> None:
        """Redraw the series with new points (called by the timer; public for tests and exports).

        The timer waits longer when drawing is slow (each panel paints at most 1/PAINT_SHARE of the time),
        so a fast producer never makes the plots eat the time training and the rest of the GUI need.
        """
        changed = False
        for series in self.series.values():
            if series.pending:
                series.pending = False
                series.curve.setData(series.xs, self._y(series.ys))
                self.redraws += 1
                changed = True
        if changed:
            self._fit_ranges()
            # Apply a new range now: pyqtgraph defers it to the paint, where moving the items asks for a
            # second paint of the whole plot right after the first.
            self.plot.getPlotItem().getViewBox().updateMatrix()
        self.timer.setInterval(int(min(max(DRAIN_MS, self.plot.paint_s * 1000 * PAINT_SHARE), MAX_DRAIN_MS)))

    def set_x_range(self, low: float, high: float) -> None:
        """Fix the x axis (a run's epochs are known up front); None-like ranges come from the data."""
        self._x_range = (float(low), float(high))
        self.plot.getPlotItem().setXRange(low, high, padding=0.02)

    def _fit_ranges(self) -> None:
        """Grow the axes to the data, with headroom; shrink only when the data uses under a third of the view."""
        drawn = [s for s in self.series.values() if s.buffer.size]
        overlays = [c for c in self.overlays if c.xData is not None and len(c.xData)]
        xs = [s.xs for s in drawn] + [c.xData for c in overlays]
        ys = [self._y(s.ys) for s in drawn] + [c.yData for c in overlays]
        item = self.plot.getPlotItem()
        (x0, x1), (y0, y1) = item.getViewBox().viewRange()
        if self._x_range is None and xs:
            high = max(float(np.nanmax(x)) for x in xs)
            low = min(float(np.nanmin(x)) for x in xs)
            if low < x0 or high > x1 or (high - low) < (x1 - x0) / 3:
                span = max(high - low, 1.0)
                item.setXRange(low, low + span * 1.3, padding=0.02)
        finite = [y[np.isfinite(y)] for y in ys]
        finite = [y for y in finite if y.size]
        if not finite:
            return
        log = self.log_box.isChecked()
        low = min(float(y.min()) for y in finite)
        high = max(float(y.max()) for y in finite)
        if log:
            low, high = math.log10(low), math.log10(high)
        span = high - low
        if span <= 1e-12 * max(abs(high), 1e-30):  # flat (a fixed learning rate): show it from zero
            low, high = (0.0, high * 1.25) if high > 0 and not log else (low - 0.5, high + 0.5)
            span = high - low
        floor = -HEADROOM * span if low >= 0 and not log else -math.inf  # a loss near 0 never shows -1
        low, high = low - HEADROOM * span, high + HEADROOM * span
        if low < y0 or high > y1:  # grow, with slack where the data left the view
            slack = GROW_SLACK * span
            grown_low = max(low - slack, min(low, floor)) if low < y0 else low
            item.setYRange(grown_low, high + slack if high > y1 else high, padding=0)
        elif (high - low) < (y1 - y0) / 3:
            item.setYRange(low, high, padding=0)

    def keep_flat_visible(self) -> None:
        """Kept for callers: ranges now always fit the data (flat series included)."""
        self._fit_ranges()

    def _y(self, ys: list[float]) -> np.ndarray:
        values = np.asarray(ys, dtype=float)
        if self.log_box.isChecked():
            values = np.where(values > 0, values, np.nan)  # log of non-positive values is not drawn
        return values

    def clear(self) -> None:
        """Empty every series (the curves stay), overlays and markers."""
        for series in self.series.values():
            series.buffer.set([], [])
            series.pending = True
        self.clear_overlays()
        for line in self.markers:
            _discard(self.plot, line)
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
        self._fit_ranges()

    def add_overlay(
        self, label: str, xs: list[float], ys: list[float], color: str = "#8a94a6", dotted: bool = False
    ) -> None:
        """A faint dashed (or dotted) curve, an earlier run, for comparison."""
        qcolor = pg.mkColor(color)
        qcolor.setAlpha(150)
        curve = self.plot.plot(np.asarray(xs, float), self._y(ys),
                               pen=pg.mkPen(qcolor, width=1.5, style=Qt.PenStyle.DotLine if dotted
                                            else Qt.PenStyle.DashLine))  # fmt: skip
        curve.setZValue(-10)
        self.overlays.append(curve)
        self._overlay_keys.append((label, color))
        self._update_key()

    def clear_overlays(self) -> None:
        for curve in self.overlays:
            _discard(self.plot, curve)
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
    def _mouse_moved(self, scene_pos: QPointF) -> None:
        self._hover_pos = QPointF(scene_pos)
        if not self._hover_timer.isActive():
            self._hover_timer.start()

    def _hover_now(self) -> None:
        if self._hover_pos is not None:
            self.show_nearest(self._hover_pos)

    def show_nearest(self, scene_pos: QPointF) -> str:
        """Show the value of the data point nearest to ``scene_pos`` (in pixels); returns the text."""
        item = self.plot.getPlotItem()
        if not item.sceneBoundingRect().contains(scene_pos):
            return self._set_readout("", None)
        view = item.getViewBox()
        best: tuple[float, str, float, float] | None = None
        for series in self.series.values():
            if not series.buffer.size or not series.curve.isVisible():
                continue
            window = self._window(series.xs, view)
            log = self.log_box.isChecked()
            for x, y in zip(series.xs[window].tolist(), series.ys[window].tolist()):
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


def _discard(plot: pg.PlotWidget, item: QGraphicsObject) -> None:
    """Remove an item and have the GUI thread delete it: a removed pyqtgraph item is Python's again, and (held
    in reference cycles) would otherwise be deleted by whichever thread next runs the cycle collector, the
    training thread included (a crash)."""
    plot.removeItem(item)
    item.deleteLater()


def _key_entry(color: str, label: str, dashed: bool, symbol: str | None) -> str:
    line = "╌╌" if dashed else "━━"
    mark = {"o": "●", "t": "▼", "s": "■"}.get(symbol or "", "")
    text = html.escape(label).replace(" ", "&nbsp;")  # an entry never wraps inside itself
    return f"<span style='color:{color}'>{line}{mark}</span>&nbsp;{text}"
