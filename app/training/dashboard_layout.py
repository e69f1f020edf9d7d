"""The training dashboard's widgets and how they are arranged, kept apart from what they do.

Creating and placing some thirty widgets is long and says nothing about training; here it stays out of
``TrainingDashboard``'s way. ``build_widgets`` sets the widgets as attributes of the dashboard (the names its
code, the main window and the tests use) and lays them out; the dashboard then connects their signals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
)

from app.training.charts import TrainingCharts
from app.training.data_panel import DataPanel
from app.training.device_status import DeviceStatus
from app.training.inspect_panel import InsidePanel, PredictionsPanel
from app.training.panels import ChecksPanel, LayersPanel, LogPanel, RunsPanel
from app.training.settings_form import SettingsForm

if TYPE_CHECKING:
    from app.training.dashboard import TrainingDashboard


def build_widgets(board: TrainingDashboard) -> None:
    """Create ``board``'s widgets, as its attributes, and lay them out: controls, status row, tabs and charts."""
    controls = _control_row(board)
    board.data_panel = DataPanel()
    board.settings_form = SettingsForm()
    board.checks = ChecksPanel()
    board.layers_panel = LayersPanel()
    board.left = QTabWidget()
    board.left.addTab(board.data_panel, "Data")
    settings_scroll = QScrollArea()
    settings_scroll.setWidgetResizable(True)
    settings_scroll.setWidget(board.settings_form)
    board.left.addTab(settings_scroll, "Settings")
    board.left.addTab(board.checks, "Checks")
    board.left.addTab(board.layers_panel, "Layers")
    board.charts = TrainingCharts()
    board.log = LogPanel()
    board.runs_panel = RunsPanel()
    board.inside = InsidePanel(board.current_model, board._data_tuple)
    board.predictions = PredictionsPanel(board.current_model, board._data_tuple)
    board.bottom = QTabWidget()
    board.bottom.addTab(board.log, "Log")
    board.bottom.addTab(board.runs_panel, "Runs")
    board.bottom.addTab(board.inside, "Layer Outputs")
    board.bottom.addTab(board.predictions, "Predictions")
    right = QSplitter(Qt.Orientation.Vertical)
    right.addWidget(board.charts)
    right.addWidget(board.bottom)
    right.setSizes([520, 220])
    body = QSplitter(Qt.Orientation.Horizontal)
    body.addWidget(board.left)
    body.addWidget(right)
    body.setSizes([330, 900])
    layout = QVBoxLayout(board)
    layout.setContentsMargins(4, 4, 4, 4)
    layout.addLayout(controls)
    board.device_status = DeviceStatus()  # which device(s) run the training and the GPUs' memory in use
    status_row = QHBoxLayout()
    status_row.addWidget(board.status_label, 1)
    status_row.addWidget(board.device_status)
    layout.addLayout(status_row)
    layout.addWidget(body, 1)


def _control_row(board: TrainingDashboard) -> QHBoxLayout:
    """The run's buttons, the learning-rate editor, the progress bars and the speed read-out."""
    board.train_button = QPushButton("▶  Train")
    board.train_button.setObjectName("TrainButton")
    board.train_button.setStyleSheet("QPushButton#TrainButton { background: #2f6f3e; font-weight: bold; "
                                     "padding: 5px 14px; } QPushButton#TrainButton:disabled { "
                                     "background: #2b3038; color: #6b7280; }")  # fmt: skip
    board.pause_button = QPushButton("‖  Pause")
    board.step_button = QPushButton("▶|  Step")
    board.step_button.setToolTip("Run a single batch (train_on_batch) and show its loss")
    board.stop_button = QPushButton("■  Stop")
    board.stop_button.setToolTip("End after the current batch; the weights trained so far are kept")
    board.lr_spin = QDoubleSpinBox()
    board.lr_spin.setDecimals(6)
    board.lr_spin.setRange(1e-7, 10.0)
    board.lr_spin.setSingleStep(0.0005)
    board.lr_apply = QPushButton("Set LR")
    board.lr_apply.setToolTip("While paused: change the learning rate from the next batch (marked on the curves)")
    board.epoch_bar = QProgressBar()
    board.epoch_bar.setFormat("Epoch %v / %m")
    board.batch_bar = QProgressBar()
    board.batch_bar.setFormat("Batch %v / %m")
    for bar in (board.epoch_bar, board.batch_bar):
        bar.setTextVisible(True)
        bar.setMinimumWidth(140)
        bar.setStyleSheet("QProgressBar { border: 1px solid #3d434d; border-radius: 4px; background: #1b1e23; "
                          "text-align: center; min-height: 18px; } QProgressBar::chunk { background: #3b5998; "
                          "border-radius: 3px; }")  # fmt: skip
    board.speed_label = QLabel("")
    board.speed_label.setMinimumWidth(230)  # a fixed slot: new figures never re-lay out the whole dock
    board.speed_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    board.status_label = QLabel("")
    controls = QHBoxLayout()
    for widget in (board.train_button, board.pause_button, board.step_button, board.stop_button):
        controls.addWidget(widget)
    controls.addSpacing(10)
    controls.addWidget(board.lr_spin)
    controls.addWidget(board.lr_apply)
    controls.addSpacing(10)
    controls.addWidget(board.epoch_bar, 1)
    controls.addWidget(board.batch_bar, 1)
    controls.addWidget(board.speed_label)
    return controls
