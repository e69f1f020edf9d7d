"""Studio tests run offscreen with an isolated settings folder; dialogs never block."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    """The main window with the demo model, never asking about unsaved changes."""
    monkeypatch.setenv("STRATA_HOME", str(tmp_path / "home"))
    from app.main_window import MainWindow

    win = MainWindow()
    monkeypatch.setattr(win, "confirm_discard", lambda: True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    # Delete the window now: windows left for the garbage collector kept their timers running and
    # made every later test's event processing slower.
    from PySide6.QtCore import QCoreApplication, QEvent

    win.close()
    win.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
