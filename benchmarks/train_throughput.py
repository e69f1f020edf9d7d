"""Training and inference throughput of the engine, side by side with PyTorch on the CPU.

Models (synthetic data, fixed seed, float32):
  * MLP 784-512-512-10 (relu, softmax), batch 128, Adam
  * CNN 28x28x1 Conv32(3x3)-MaxPool-Conv64(3x3)-MaxPool-Dense128-Dense10, batch 64, Adam
  * LSTM(128) over 50 steps of 32 features -> Dense10 softmax, batch 64, Adam (when the engine has LSTM)

Prints samples/s for training (``fit``, one epoch) and predict (batch 512), the
peak memory of the training loop beyond the data (each engine measured in a
fresh subprocess), and with torch installed (``pip install -e ".[bench]"``)
the median ratio engine/torch over alternating runs. Threads are pinned the
same way for both (main thread on CPU 0, workers on CPU 1). For the MLP it also
times the model's bare NumPy GEMMs and compares their rate with the machine's
best float32 GEMM rate, which bounds what any engine on this BLAS can reach.

Usage: python benchmarks/train_throughput.py [--rounds 5] [--models mlp,cnn,lstm]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks._pinning import pin_threads  # noqa: E402

THREADS = int(os.environ.get("BENCH_THREADS", "2"))
SPECS = {
    "mlp": {"input": (784,), "classes": 10, "batch": 128, "steps": 120},
    "cnn": {"input": (28, 28, 1), "classes": 10, "batch": 64, "steps": 48},
    "lstm": {"input": (50, 32), "classes": 10, "batch": 64, "steps": 24},
}
PREDICT_BATCH = 512
# Pause before each timed run so the other library's idle worker threads (OpenMP's spin for up
# to 200 ms after a parallel region) have gone to sleep instead of competing for the CPU.
SETTLE_SECONDS = float(os.environ.get("BENCH_SETTLE", "0.5"))


def make_data(name: str) -> tuple[np.ndarray, np.ndarray]:
    spec = SPECS[name]
    rng = np.random.default_rng(0)
    n = spec["batch"] * spec["steps"]
    x = rng.standard_normal((n, *spec["input"])).astype("float32")
    y = rng.integers(0, spec["classes"], n).astype("int64")
    return x, y


# -- the engine ------------------------------------------------------------------
def engine_model(name: str):
    from engine import layers, models

    if name == "mlp":
        stack = [layers.Input(shape=(784,)), layers.Dense(512, activation="relu"),
                 layers.Dense(512, activation="relu"), layers.Dense(10, activation="softmax")]  # fmt: skip
    elif name == "cnn":
        stack = [layers.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]  # fmt: skip
    else:
        stack = [layers.Input(shape=(50, 32)), layers.LSTM(128), layers.Dense(10, activation="softmax")]
    model = models.Sequential(stack)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


class EngineRunner:
    def __init__(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        from engine import utils

        utils.set_random_seed(0)
        self.model = engine_model(name)
        self.x, self.y, self.batch = x, y, SPECS[name]["batch"]

    def train(self) -> None:
        self.model.fit(self.x, self.y, batch_size=self.batch, epochs=1, shuffle=True, verbose=0)

    def predict(self) -> None:
        self.model.predict(self.x, batch_size=PREDICT_BATCH)


class GemmFloorRunner:
    """Only the MLP's matrix products, in bare NumPy: what any engine on NumPy's BLAS must spend.

    Its speed bounds the engine's: when it is near torch's, no work outside the GEMMs can make
    the engine much faster than torch.
    """

    def __init__(self, x: np.ndarray, weights: list[np.ndarray]) -> None:
        self.x, self.weights, self.batch = x, [w for w in weights if w.ndim == 2], SPECS["mlp"]["batch"]
        widths = [w.shape[1] for w in self.weights]
        self.grads = [np.ones((self.batch, width), dtype="float32") for width in widths]

    def train(self) -> None:
        w1, w2, w3 = self.weights
        g1, g2, g3 = self.grads
        for start in range(0, len(self.x), self.batch):
            xb = self.x[start : start + self.batch]
            h1 = xb @ w1
            h2 = h1 @ w2
            h2 @ w3
            h2.T @ g3, g3 @ w3.T, h1.T @ g2, g2 @ w2.T, xb.T @ g1  # noqa: B018 - the backward's GEMMs

    def predict(self) -> None:
        w1, w2, w3 = self.weights
        for start in range(0, len(self.x), PREDICT_BATCH):
            ((self.x[start : start + PREDICT_BATCH] @ w1) @ w2) @ w3


def mlp_predict_flops() -> float:
    """Floating-point operations of one MLP predict pass over the benchmark's data (its GEMMs)."""
    n = SPECS["mlp"]["batch"] * SPECS["mlp"]["steps"]
    widths = (784, 512, 512, 10)
    return sum(2.0 * n * fan_in * fan_out for fan_in, fan_out in pairwise(widths))


def best_sgemm_gflops(size: int = 2048, repeats: int = 5) -> float:
    """This machine's float32 GEMM rate with NumPy's BLAS on a large square product (a practical peak)."""
    a = np.random.default_rng(0).standard_normal((size, size)).astype("float32")
    a @ a  # noqa: B018 - warm the thread pool
    pin_threads()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ a  # noqa: B018
        best = min(best, time.perf_counter() - start)
    return 2.0 * size**3 / best / 1e9


# -- PyTorch ---------------------------------------------------------------------
def torch_model(name: str):
    import torch
    from torch import nn

    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(1600, 128), nn.ReLU(), nn.Linear(128, 10),
        )  # fmt: skip

    class LSTMClassifier(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = nn.LSTM(32, 128, batch_first=True)
            self.head = nn.Linear(128, 10)

        def forward(self, x):
            _, (h, _) = self.lstm(x)
            return self.head(h[-1])

    _ = torch
    return LSTMClassifier()


class TorchRunner:
    def __init__(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        import torch

        torch.manual_seed(0)
        self.torch = torch
        self.model = torch_model(name)
        self.optimizer = torch.optim.Adam(self.model.parameters())
        self.loss = torch.nn.CrossEntropyLoss()
        data = x.transpose(0, 3, 1, 2).copy() if name == "cnn" else x
        self.x, self.y = torch.from_numpy(data), torch.from_numpy(y)
        self.batch = SPECS[name]["batch"]

    def train(self) -> None:
        torch = self.torch
        self.model.train()
        order = torch.randperm(len(self.x))
        correct = 0
        for start in range(0, len(self.x), self.batch):
            index = order[start : start + self.batch]
            xb, yb = self.x[index], self.y[index]
            self.optimizer.zero_grad()
            logits = self.model(xb)
            loss = self.loss(logits, yb)
            loss.backward()
            self.optimizer.step()
            correct += int((logits.argmax(1) == yb).sum())
            _ = loss.item()

    def predict(self) -> None:
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            outs = [torch.softmax(self.model(self.x[s : s + PREDICT_BATCH]), 1).numpy()
                    for s in range(0, len(self.x), PREDICT_BATCH)]  # fmt: skip
        np.concatenate(outs)


# -- measurement -------------------------------------------------------------------
def timed(fn) -> float:
    time.sleep(SETTLE_SECONDS)
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def measure_memory(engine: str, name: str) -> float:
    """Peak RSS growth (MiB) of two training epochs, beyond data and model (run in a fresh process)."""
    x, y = make_data(name)
    runner = EngineRunner(name, x, y) if engine == "engine" else TorchRunner(name, x, y)
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        return float("nan")
    base = rss_kib("VmRSS")
    runner.train()
    runner.train()
    return (rss_kib("VmHWM") - base) / 1024


def memory_in_subprocess(engine: str, name: str) -> float:
    code = (
        f"import sys; sys.path.insert(0, {str(Path(__file__).resolve().parents[1])!r});"
        f"from benchmarks.train_throughput import measure_memory, _set_threads;"
        f"_set_threads(); print(measure_memory({engine!r}, {name!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _set_threads() -> None:
    try:
        import torch

        torch.set_num_threads(THREADS)
    except ImportError:
        pass


def benchmark(name: str, rounds: int, with_torch: bool) -> dict:
    x, y = make_data(name)
    n = len(x)
    engine = EngineRunner(name, x, y)
    runners = {"engine": engine}
    if with_torch:
        runners["torch"] = TorchRunner(name, x, y)
    if name == "mlp":
        runners["gemms"] = GemmFloorRunner(x, engine.model.get_weights())
    for runner in runners.values():  # warm up (thread pools, allocator, slots)
        runner.train()
        runner.predict()
    pin_threads()
    times: dict[str, dict[str, list[float]]] = {k: {"train": [], "predict": []} for k in runners}
    for _ in range(rounds):
        for key, runner in runners.items():
            times[key]["train"].append(timed(runner.train))
            times[key]["predict"].append(timed(runner.predict))
    result: dict = {"model": name, "samples": n}
    for key in runners:
        for phase in ("train", "predict"):
            result[f"{key}_{phase}_sps"] = n / statistics.median(times[key][phase])
    if with_torch:
        for key, prefix in (("engine", ""), ("gemms", "gemms_")):
            if key not in times:
                continue
            for phase in ("train", "predict"):
                ratios = [t / e for e, t in zip(times[key][phase], times["torch"][phase])]
                result[f"{prefix}{phase}_ratio"] = statistics.median(ratios)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--models", default="mlp,cnn,lstm")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401

        with_torch = True
    except ImportError:
        with_torch = False
        print("torch is not installed: engine figures only (pip install -e '.[bench]' for the comparison)")
    _set_threads()
    from engine import layers

    names = [m for m in args.models.split(",") if m != "lstm" or hasattr(layers, "LSTM")]
    print(f"threads={THREADS} rounds={args.rounds} (median of alternating runs; ratio = engine speed / torch speed)")
    columns = [("model", 6), ("engine train", 14), ("torch train", 13), ("ratio", 7), ("engine pred", 13),
               ("torch pred", 12), ("ratio", 7)]  # fmt: skip
    print(columns[0][0].ljust(6) + "".join(name.rjust(width) for name, width in columns[1:]))
    results = []
    for name in names:
        r = benchmark(name, args.rounds, with_torch)
        results.append(r)
        t = r.get("torch_train_sps", float("nan"))
        tp = r.get("torch_predict_sps", float("nan"))
        print(
            f"{name:<6}{r['engine_train_sps']:>14,.0f}{t:>13,.0f}{r.get('train_ratio', float('nan')):>7.2f}"
            f"{r['engine_predict_sps']:>13,.0f}{tp:>12,.0f}{r.get('predict_ratio', float('nan')):>7.2f}"
        )
    for r in results:
        if "gemms_predict_sps" in r:
            best = best_sgemm_gflops()
            achieved = mlp_predict_flops() / (r["samples"] / r["gemms_predict_sps"]) / 1e9
            r["sgemm_gflops"], r["gemms_predict_gflops"] = best, achieved
            near_peak = achieved >= 0.85 * best
            verdict = ("near the peak: a faster MLP predict needs fewer FLOPs, not a leaner engine" if near_peak
                       else "well below the peak: the machine was busy, or the GEMMs have room")  # fmt: skip
            print(
                f"mlp: predict's GEMMs ({mlp_predict_flops() / 1e9:.1f} GFLOP per pass) run at {achieved:.0f} GFLOP/s "
                f"in bare NumPy, {achieved / best:.0%} of this machine's best float32 GEMM rate ({best:.0f} GFLOP/s, "
                f"a 2048^3 product), {verdict}"
            )
        if "gemms_train_sps" in r:
            print(
                f"{r['model']}: its GEMMs alone in bare NumPy (the bound for an engine on NumPy's BLAS): train "
                f"{r['gemms_train_sps']:,.0f}/s ({r.get('gemms_train_ratio', float('nan')):.2f}x torch), predict "
                f"{r['gemms_predict_sps']:,.0f}/s ({r.get('gemms_predict_ratio', float('nan')):.2f}x torch)"
            )
    if not args.no_memory:
        print("peak training-loop memory beyond data (MiB, fresh process each):")
        for name in names:
            mem = {"engine": memory_in_subprocess("engine", name)}
            if with_torch:
                mem["torch"] = memory_in_subprocess("torch", name)
            print(f"  {name:<6}" + "  ".join(f"{k} {v:7.1f}" for k, v in mem.items()))
            results[[r["model"] for r in results].index(name)]["memory_mib"] = mem
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
