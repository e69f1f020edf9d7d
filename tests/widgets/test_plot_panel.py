"""PlotPanel: buffered appends drawn by the timer, log scale, hover read-out, overlays, markers, PNG export."""

from __future__ import annotations

import numpy as np
import pytest

from widgets.plot_panel import PlotPanel


@pytest.fixture
def panel(qtbot):
    widget = PlotPanel("Loss", "epoch", "loss")
    qtbot.addWidget(widget)
    widget.resize(500, 300)
    widget.show()
    qtbot.waitExposed(widget)
    widget.add_series("loss", "loss", "#5b8def")
    widget.add_series("val", "val_loss", "#e5534b", symbol="o")
    return widget


def test_appends_are_buffered_and_drawn_by_the_timer(panel, qtbot):
    for i in range(500):
        panel.append("loss", i, 1.0 / (i + 1))
    assert panel.drawn_count("loss") == 0  # nothing redrawn per point
    qtbot.waitUntil(lambda: panel.drawn_count("loss") == 500, timeout=2000)
    assert panel.redraws <= 3
    panel.add_series("loss", "again", "#fff")  # idempotent: no second curve
    assert len(panel.series) == 2


def test_log_scale_hides_non_positive_values(panel):
    panel.set_points("loss", [0, 1, 2], [1.0, 0.0, 0.01])
    panel.set_log_y(True)
    assert panel.log_box.isChecked() and panel.plot.getPlotItem().ctrl.logYCheck.isChecked()
    _, ys = panel.series["loss"].curve.getOriginalDataset()
    assert np.isnan(ys[1]) and ys[2] == pytest.approx(0.01)
    panel.log_box.setChecked(False)
    assert not panel.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_hover_reads_the_nearest_point(panel, qtbot):
    panel.set_points("val", [0, 1, 2, 3], [4.0, 3.0, 2.0, 1.0])
    panel.drain()
    panel.plot.getPlotItem().getViewBox().autoRange(padding=0.1)
    qtbot.wait(1)  # let the view apply its range
    view = panel.plot.getPlotItem().getViewBox()
    from PySide6.QtCore import QPointF

    scene = view.mapViewToScene(QPointF(2.0, 2.0))
    with qtbot.waitSignal(panel.hovered) as blocker:
        text = panel.show_nearest(scene + QPointF(3, -2))
    assert text == "val_loss: 2 at 2" == blocker.args[0] == panel.readout.text()
    assert panel.show_nearest(QPointF(-1000, -1000)) == ""


def test_overlays_markers_and_clear(panel, tmp_path):
    panel.add_overlay("run 1: loss", [0, 1, 2], [3, 2, 1])
    panel.add_marker(1.5, "lr → 0.01")
    panel.append("loss", 0, 1)
    assert len(panel.overlays) == 1 and len(panel.markers) == 1
    path = tmp_path / "plot.png"
    assert panel.export_png(str(path)) and path.stat().st_size > 1000
    panel.clear()
    assert panel.overlays == [] and panel.markers == [] and panel.drawn_count("loss") == 0


def test_widgets_never_import_the_engine():
    source = open("widgets/plot_panel.py", encoding="utf-8").read()
    assert "from engine" not in source and "from app" not in source
