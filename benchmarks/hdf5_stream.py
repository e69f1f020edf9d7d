"""Training on an HDF5 dataset larger than memory stays small: peak RSS while fitting 2 GB from disk.

Writes a 2 GB float32 dataset (default 524,288 rows x 1,024 features) plus integer labels to a
temporary HDF5 file (in a child process, so the writer's buffers do not count), then trains an MLP
1024-64-10 for one epoch over ``utils.HDF5Matrix`` views of it (batch 1024, batch-wise shuffling),
evaluates and predicts on a slice, and prints the peak resident set size of the training process.
Target: under 500 MB. The file is deleted afterwards.

Usage: python benchmarks/hdf5_stream.py [--gigabytes 2] [--features 1024] [--batch-size 1024] [--dir /tmp]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MB = 500
CHUNK_ROWS = 8192


def create(path: str, rows: int, features: int) -> None:
    import h5py  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415

    rng = np.random.default_rng(0)
    centers = rng.normal(size=(10, features)).astype("float32")
    with h5py.File(path, "w") as handle:
        x = handle.create_dataset("x", shape=(rows, features), dtype="float32")
        y = handle.create_dataset("y", shape=(rows,), dtype="int64")
        for start in range(0, rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, rows)
            labels = rng.integers(0, 10, stop - start)
            noise = rng.standard_normal((stop - start, features), dtype="float32")
            x[start:stop] = centers[labels] * 0.5 + noise
            y[start:stop] = labels


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def train(path: str, batch_size: int) -> None:
    from engine import layers, models, utils  # noqa: PLC0415

    baseline = peak_rss_mb()
    x, y = utils.HDF5Matrix(path, "x"), utils.HDF5Matrix(path, "y")
    features = x.shape[1]
    utils.set_random_seed(0)
    model = models.Sequential(
        [layers.Input(shape=(features,)), layers.Dense(64, activation="relu"), layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    history = model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=True, verbose=0)
    seconds = time.perf_counter() - started
    tail = max(len(x) - 50_000, 0)
    tail_x, tail_y = utils.HDF5Matrix(path, "x", start=tail), utils.HDF5Matrix(path, "y", start=tail)
    loss, accuracy = model.evaluate(tail_x, tail_y, batch_size=batch_size, verbose=0)
    predictions = model.predict(tail_x, batch_size=batch_size)
    gigabytes = x.size * 4 / 1e9
    print(f"dataset: {x.shape[0]:,} x {features} float32 = {gigabytes:.2f} GB on disk ({path})")
    print(f"fit 1 epoch: {seconds:.1f} s ({x.shape[0] / seconds:,.0f} samples/s, {gigabytes / seconds:.2f} GB/s), "
          f"loss {history.history['loss'][-1]:.4f}")  # fmt: skip
    print(f"evaluate on the last {len(tail_x):,} rows: loss {loss:.4f}, accuracy {accuracy:.3f}; "
          f"predict -> {predictions.shape}")  # fmt: skip
    peak = peak_rss_mb()
    print(f"peak RSS: {peak:.0f} MB (interpreter + engine before loading data: {baseline:.0f} MB); "
          f"target < {TARGET_MB} MB: {'PASS' if peak < TARGET_MB else 'FAIL'}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gigabytes", type=float, default=2.0)
    parser.add_argument("--features", type=int, default=1024)
    parser.add_argument("--batch-size", type=int, default=1024)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    parser.add_argument("--create", nargs=3, metavar=("PATH", "ROWS", "FEATURES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.create:
        create(args.create[0], int(args.create[1]), int(args.create[2]))
        return
    rows = int(args.gigabytes * 2**30 / (4 * args.features))
    fd, path = tempfile.mkstemp(prefix="strata_stream_", suffix=".h5", dir=args.dir)
    os.close(fd)
    try:
        started = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--create", path, str(rows), str(args.features)], check=True)
        print(f"wrote {os.path.getsize(path) / 1e9:.2f} GB in {time.perf_counter() - started:.1f} s")
        train(path, args.batch_size)
    finally:
        os.remove(path)


if __name__ == "__main__":
    main()
