"""Training and inference throughput of the engine on the GPU (CuPy backend), beside PyTorch on CUDA.

Models are those of ``train_throughput.py`` (MLP 784-512-512-10 and the small CNN, Adam,
synthetic data), at batch 256 on the current GPU. Prints samples/s for one training epoch
(``fit``) and for predict, the median over alternating rounds and, when torch with CUDA
is installed, the ratio engine/torch (target: at least 0.5 for training).

Usage: python benchmarks/gpu_throughput.py [--rounds 3] [--models mlp,cnn] [--steps 40]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.train_throughput import SPECS, engine_model, torch_model  # noqa: E402

BATCH = 256
PREDICT_BATCH = 1024


def make_data(name: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    spec = SPECS[name]
    n = BATCH * steps
    return rng.standard_normal((n, *spec["input"])).astype("float32"), rng.integers(0, spec["classes"], n)


class EngineGPU:
    def __init__(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        from engine import utils
        from engine.backend import devices

        utils.set_random_seed(0)
        self.sync = devices.synchronize
        self.model = engine_model(name)
        self.x, self.y = x, y

    def train(self) -> None:
        self.model.fit(self.x, self.y, batch_size=BATCH, epochs=1, shuffle=True, verbose=0)
        self.sync()

    def predict(self) -> None:
        self.model.predict(self.x, batch_size=PREDICT_BATCH, verbose=0)
        self.sync()


class TorchGPU:
    """PyTorch on CUDA, the data copied to the GPU per batch from host memory as the engine does."""

    def __init__(self, name: str, x: np.ndarray, y: np.ndarray) -> None:
        import torch

        torch.manual_seed(0)
        self.torch = torch
        self.model = torch_model(name).cuda()
        self.optimizer = torch.optim.Adam(self.model.parameters())
        self.loss = torch.nn.CrossEntropyLoss()
        data = x.transpose(0, 3, 1, 2).copy() if name == "cnn" else x
        self.x, self.y = torch.from_numpy(data).pin_memory(), torch.from_numpy(y).pin_memory()

    def train(self) -> None:
        torch = self.torch
        self.model.train()
        order = torch.randperm(len(self.x))
        for start in range(0, len(self.x), BATCH):
            index = order[start : start + BATCH]
            xb, yb = self.x[index].cuda(non_blocking=True), self.y[index].cuda(non_blocking=True)
            self.optimizer.zero_grad()
            logits = self.model(xb)
            loss = self.loss(logits, yb)
            loss.backward()
            self.optimizer.step()
            _ = (logits.argmax(1) == yb).sum().item(), loss.item()
        torch.cuda.synchronize()

    def predict(self) -> None:
        torch = self.torch
        self.model.eval()
        with torch.no_grad():
            outs = [torch.softmax(self.model(self.x[s : s + PREDICT_BATCH].cuda()), 1).cpu().numpy()
                    for s in range(0, len(self.x), PREDICT_BATCH)]  # fmt: skip
        np.concatenate(outs)


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _profile(name: str, runner: EngineGPU) -> None:
    import cProfile
    import pstats

    runner.train()  # warm-up
    profiler = cProfile.Profile()
    profiler.enable()
    runner.train()
    profiler.disable()
    print(f"-- {name}: one training epoch, by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(22)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--profile", action="store_true", help="cProfile one training epoch per model (engine only)")
    args = parser.parse_args()
    from engine.backend import _state, devices

    count, reason = devices.gpu_status()
    if count == 0:
        print(f"No GPU for the engine: {reason}")
        return 1
    _state.set_backend("cupy")
    gpu = devices.list_devices()[1]
    with_torch = False
    try:
        import torch

        with_torch = bool(torch.cuda.is_available())
    except ImportError:
        pass
    print(f"device: {gpu.description} ({gpu.memory_total / 2**30:.0f} GiB); batch {BATCH}; torch CUDA: {with_torch}")
    results = []
    for name in args.models.split(","):
        x, y = make_data(name, args.steps)
        runners = {"engine": EngineGPU(name, x, y)}
        if args.profile:
            _profile(name, runners["engine"])
            continue
        if with_torch:
            runners["torch"] = TorchGPU(name, x, y)
        for runner in runners.values():  # warm-up: kernel compilation, memory pools, cuDNN/cuBLAS plans
            runner.train()
            runner.predict()
        times = {k: {"train": [], "predict": []} for k in runners}
        for _ in range(args.rounds):
            for key, runner in runners.items():
                times[key]["train"].append(_timed(runner.train))
                times[key]["predict"].append(_timed(runner.predict))
        row = {"model": name, "samples": len(x)}
        for key in runners:
            for phase in ("train", "predict"):
                row[f"{key}_{phase}_sps"] = len(x) / statistics.median(times[key][phase])
        if with_torch:
            for phase in ("train", "predict"):
                row[f"{phase}_ratio"] = row[f"engine_{phase}_sps"] / row[f"torch_{phase}_sps"]
        results.append(row)
        print(
            f"{name:<5} train engine {row['engine_train_sps']:>10,.0f}/s "
            f"torch {row.get('torch_train_sps', 0):>10,.0f}/s "
            f"ratio {row.get('train_ratio', float('nan')):.2f} | predict engine {row['engine_predict_sps']:>10,.0f}/s "
            f"torch {row.get('torch_predict_sps', 0):>10,.0f}/s ratio {row.get('predict_ratio', float('nan')):.2f}",
            flush=True,
        )
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
