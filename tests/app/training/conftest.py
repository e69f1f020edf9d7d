"""Dashboard tests: offscreen, and a test that leaves a training QThread running fails."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402


def _is_running(thread) -> bool:
    try:
        return thread.isRunning()
    except RuntimeError:  # deleted together with its window, whose close stops training first
        return False


@pytest.fixture(autouse=True)
def no_thread_left_running(request):
    """Fail the test if any TrainingThread it started is still running at the end (napari does the same)."""
    if "qtbot" not in request.fixturenames:
        yield
        return
    from app.training.worker import TrainingThread

    started: list[TrainingThread] = []
    original = TrainingThread.start

    def start(self, *args):
        started.append(self)
        return original(self, *args)

    TrainingThread.start = start
    try:
        yield
    finally:
        TrainingThread.start = original
    running = [t for t in started if _is_running(t)]
    for thread in running:
        thread.session.stop()
        thread.wait(10_000)
    if running:
        pytest.fail(f"{len(running)} training QThread(s) were still running when the test ended")


@pytest.fixture
def dashboard(qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("STRATA_HOME", str(tmp_path / "home"))
    from app.templates import demo_document
    from app.training.dashboard import TrainingDashboard

    board = TrainingDashboard(demo_document())
    qtbot.addWidget(board)
    board.resize(1300, 800)
    board.show()
    qtbot.waitExposed(board)
    return board
