"""The UCI handwritten digits (8x8 images, 10 classes; CC BY 4.0, Alpaydin & Kaynak 1998)."""

from __future__ import annotations

from pathlib import Path

import numpy  # loading host data from disk

from engine.errors import DataError

_FILE = Path(__file__).resolve().parents[2] / "resources" / "datasets" / "digits.npz"


def load_digits(validation_fraction: float = 0.2) -> tuple[tuple, tuple]:
    """``(x_train, y_train), (x_test, y_test)``: images scaled to [0, 1], shape (n, 8, 8), integer labels.

    The split is deterministic (a fixed permutation), so every run sees the same test set.
    """
    if not _FILE.exists():
        raise DataError(f"The bundled digits dataset is missing: expected {_FILE}.")
    with numpy.load(_FILE) as data:
        x = data["x"].astype("float32") / 16.0
        y = data["y"].astype("int64")
    order = numpy.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    split = int(len(x) * (1 - validation_fraction))
    return (x[:split], y[:split]), (x[split:], y[split:])
