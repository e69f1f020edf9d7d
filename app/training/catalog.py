"""The example datasets offered by the Data panel, and what the dashboard needs to know about any data. Qt-free."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from engine.datasets import LoadedData, load_digits, load_sine_sequences, load_spirals


@dataclass(frozen=True)
class Example:
    """A bundled dataset: its title, a line about it (source and licence) and how to load it."""

    title: str
    description: str
    load: Callable[[], LoadedData]


def _digits() -> LoadedData:
    (x, y), _ = load_digits(validation_fraction=0.0)
    return LoadedData(x, y, "digits.npz", class_names=[str(i) for i in range(10)])


def _spirals() -> LoadedData:
    x, y = load_spirals()
    return LoadedData(x, y, "spirals (generated)", feature_names=["x", "y"], class_names=["arm A", "arm B"])


def _sines() -> LoadedData:
    x, y = load_sine_sequences()
    return LoadedData(x, y, "sine sequences (generated)")


EXAMPLES = [
    Example(
        "Digits (8x8 images)",
        "1,797 handwritten digits, 10 classes. UCI ML Repository (Alpaydin & Kaynak 1998), CC BY 4.0.",
        _digits,
    ),
    Example("Two spirals (2-D points)", "1,000 points on two interleaved spirals, 2 classes; generated.", _spirals),
    Example(
        "Sine sequences (stateful)",
        "640 chunks of 10 steps x 16 noisy sine channels from 32 streams, 10 frequencies; ordered for a "
        "stateful model with batch size 32 and shuffle off; generated.",
        _sines,
    ),
]


def example(title: str) -> Example:
    return next(e for e in EXAMPLES if e.title == title)


def is_image_data(x: object) -> bool:
    """Samples that look like images: (h, w) or (h, w, 1|3) with both sides at least 5."""
    shape = tuple(getattr(x, "shape", ())[1:])
    return (len(shape) == 2 and min(shape) >= 5) or (len(shape) == 3 and shape[-1] in (1, 3) and min(shape[:2]) >= 5)


def class_count(y: object) -> int:
    """Number of classes of integer or one-hot targets (0 for regression targets)."""
    sample = np.asarray(y[: min(len(y), 20000)])
    if sample.ndim == 2 and sample.shape[1] > 1:
        return int(sample.shape[1])
    flat = sample.reshape(-1)
    if flat.dtype.kind in "iub" and flat.size:
        return int(flat.max()) + 1
    return 0
