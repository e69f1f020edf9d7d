"""GUI responsiveness while training: event-loop latency and throughput with the dashboard open.

The MLP of ``train_throughput.py`` (784-512-512-10, batch 128, Adam, synthetic data) trains for a
few epochs twice per round: headless (``TrainingSession.run`` in the main thread, no Qt) and from
the training dashboard (a ``TrainingThread``, live charts, progress). During the dashboard run a
10 ms ``QTimer`` in the GUI thread records how late each tick fires.

Prints the p50/p99/max timer lateness (target: p99 < 50 ms) and the dashboard's training throughput
(the session's own time, as for headless) as a fraction of headless (target: >= 0.9): the ratio of
the best round of each (the figure least disturbed by other processes on a shared machine) and the
median of the paired rounds' ratios; and the end-to-end figure (with building the model, checks,
and storing the weights in the document).

Usage: QT_QPA_PLATFORM=offscreen python benchmarks/gui_responsiveness.py [--rounds 3] [--epochs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks.train_throughput import SPECS, engine_model, make_data  # noqa: E402

TICK_MS = 10
SETTLE_S = 0.5  # before each timed run: the previous run's garbage collected, BLAS worker threads asleep


def settle() -> None:
    import gc

    gc.collect()
    time.sleep(SETTLE_S)


def headless(x: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """Samples per second of a plain session run (same code path as strata-train)."""
    from engine import utils
    from engine.training.session import TrainingSession, TrainingSettings

    utils.set_random_seed(0)
    model = engine_model("mlp")
    session = TrainingSession(model, x, y, TrainingSettings(epochs=epochs, batch_size=SPECS["mlp"]["batch"]))
    settle()
    started = time.perf_counter()
    result = session.run()
    assert result.reason == "completed", result.error
    return epochs * len(x) / (time.perf_counter() - started)


def with_dashboard(app, x: np.ndarray, y: np.ndarray, epochs: int) -> tuple[float, float, list[float], float]:
    """Samples per second of a dashboard run (training alone; from pressing Train until the weights are in the
    document), the GUI timer's lateness (ms) for each tick during it, and the GUI thread's CPU time as a share
    of the run's wall time (the CPU, and much of the GIL, that the GUI takes from training)."""
    from PySide6.QtCore import QEventLoop, QTimer

    from app.conversion import from_model
    from app.training.dashboard import TrainingDashboard
    from engine import utils
    from engine.datasets import LoadedData

    utils.set_random_seed(0)
    board = TrainingDashboard(from_model(engine_model("mlp")))
    board.resize(1400, 860)
    board.show()
    board.data_panel._set_data(LoadedData(x, y, "synthetic"))
    form = board.settings_form
    form.epochs.setValue(epochs)
    form.batch_size.setValue(SPECS["mlp"]["batch"])
    form.validation_split.setValue(0.0)
    form.learning_rate.setValue(0.001)
    app.processEvents()
    settle()
    lateness: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        lateness.append(max((now - last[0]) * 1000 - TICK_MS, 0.0))
        last[0] = now

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    loop = QEventLoop()
    finished: dict = {}
    board.runFinished.connect(finished.update)
    board.runFinished.connect(loop.quit)
    started = time.perf_counter()
    assert board.start()
    last[0] = time.perf_counter()
    timer.start()
    cpu = time.thread_time()
    loop.exec()
    cpu = time.thread_time() - cpu
    elapsed = time.perf_counter() - started
    timer.stop()
    assert board.run.reason == "completed", board.log.lines[-3:]
    board.close()
    board.deleteLater()
    app.processEvents()
    samples = epochs * len(x)
    return samples / finished["elapsed_s"], samples / elapsed, lateness, cpu / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=5)
    args = parser.parse_args()
    from PySide6.QtWidgets import QApplication

    from app.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app, "dark")
    x, y = make_data("mlp")
    headless(x[:256], y[:256], 1)  # warm-up: imports, BLAS threads
    ratios, p99s, all_late, rates, gui_cpu = [], [], [], [], []
    for _ in range(args.rounds):
        plain = headless(x, y, args.epochs)
        gui, end_to_end, late, cpu_share = with_dashboard(app, x, y, args.epochs)
        gui_cpu.append(cpu_share)
        ratios.append(gui / plain)
        p99s.append(float(np.percentile(late, 99)))
        all_late += late
        rates.append((plain, gui, end_to_end))
        print(f"  round: headless {plain:,.0f} samples/s, dashboard {gui:,.0f} samples/s ({gui / plain:.2f}x; "
              f"{end_to_end / plain:.2f}x end to end), timer p99 late {p99s[-1]:.1f} ms, "
              f"GUI thread CPU {cpu_share:.1%}")  # fmt: skip
    print(f"MLP 784-512-512-10, batch {SPECS['mlp']['batch']}, {len(x)} samples x {args.epochs} epochs, "
          f"{args.rounds} rounds")  # fmt: skip
    p50, p99 = np.percentile(all_late, 50), statistics.median(p99s)
    print(f"event-loop lateness of a {TICK_MS} ms QTimer while training: p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms (median of rounds; target < 50), max {max(all_late):.1f} ms")  # fmt: skip
    best_plain, best_gui, best_e2e = (max(r[i] for r in rates) for i in range(3))
    print(f"training throughput with the dashboard open: {best_gui / best_plain:.2f}x headless, best of rounds "
          f"({best_gui:,.0f} vs {best_plain:,.0f} samples/s); median of paired rounds {statistics.median(ratios):.2f}x "
          "(target >= 0.9)")  # fmt: skip
    print(
        f"GUI thread CPU while training: {statistics.median(gui_cpu):.1%} of the run's wall time (median of rounds; "
        "the 10 ms probe timer included)"
    )
    print(f"end to end (Train pressed until the weights are in the document): {best_e2e / best_plain:.2f}x headless")
    return 0


if __name__ == "__main__":
    sys.exit(main())
