"""Puts the training dashboard into the main window: a dock, a Train menu, a toolbar button, a close guard."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QMessageBox, QToolBar

from app.training.dashboard import TrainingDashboard

DOCK_SHARE = 0.62  # of the window height, when the dashboard is shown


def install_training(window: Any) -> TrainingDashboard:
    """Add the dashboard to ``window`` (a ``MainWindow``); it follows the window's document and undo stack."""
    dashboard = TrainingDashboard(window.doc, window.stack)
    dock = window._dock("Training", dashboard, Qt.DockWidgetArea.BottomDockWidgetArea)
    window.tabifyDockWidget(window.summary_dock, dock)
    dock.hide()
    window.training, window.training_dock = dashboard, dock
    window.summary_dock.raise_()

    def show() -> None:
        dock.show()
        dock.raise_()
        window.resizeDocks([dock], [int(window.height() * DOCK_SHARE)], Qt.Orientation.Vertical)

    def start() -> None:
        show()
        dashboard.start()

    menu = QMenu("T&rain", window)
    entries = [
        ("Show Training &Dashboard", show, "Ctrl+T", "Data, settings, live curves and the trained model's insides"),
        ("&Start Training", start, "F5", "Train the design on the chosen data in the background"),
        ("&Pause / Resume", dashboard.toggle_pause, "F6", "Pause before the next batch, or continue"),
        ("Step &One Batch", dashboard.step, "F7", "Run a single batch and show its loss"),
        ("S&top Training", dashboard.stop, "Shift+F5", "End after the current batch, keeping the weights"),
    ]
    for text, slot, shortcut, tip in entries:
        window._action(menu, text, slot, shortcut, tip)
    bar = window.menuBar()
    help_action = next((a for a in bar.actions() if a.text() == "&Help"), None)
    if help_action is not None:
        bar.insertMenu(help_action, menu)
    else:
        bar.addMenu(menu)
    window.train_menu = menu
    toolbar = window.findChild(QToolBar, "MainToolbar")
    if toolbar is not None:
        toolbar.addSeparator()
        action = QAction("Train", window)
        action.setStatusTip("Show the training dashboard")
        action.triggered.connect(show)
        toolbar.addAction(action)
    window.installEventFilter(CloseGuard(dashboard))
    window.canvas.selectionChanged.connect(lambda keys: _follow_selection(window, dashboard, keys))
    return dashboard


def _follow_selection(window: Any, dashboard: TrainingDashboard, keys: list) -> None:
    """Selecting a node on the canvas picks its layer in Layer Outputs (a shared node: its layer)."""
    nodes = [window.doc.nodes[k] for k in keys if k in window.doc.nodes]
    if len(nodes) == 1:
        node = nodes[0]
        owner = window.doc.nodes.get(node.shares, node) if node.shares is not None else node
        combo = dashboard.inside.layer
        if combo.findText(owner.name) >= 0:
            combo.setCurrentText(owner.name)


class CloseGuard(QObject):
    """Asks before a window closes during training, then stops the run cleanly."""

    def __init__(self, dashboard: TrainingDashboard) -> None:
        super().__init__(dashboard)
        self.dashboard = dashboard

    def ask(self) -> bool:
        answer = QMessageBox.question(self.dashboard, "Training is running",
                                      "A training run is in progress. Stop it and close?")  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() == QEvent.Type.Close and self.dashboard.is_training():
            if not self.ask():
                event.ignore()
                return True
            self.dashboard.wait_for_thread()
        return False
