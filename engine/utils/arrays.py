"""Small array helpers from Keras's utils."""

from __future__ import annotations

from typing import Any

import numpy  # these helpers prepare host data before it reaches the engine

from engine.errors import DataError


def to_categorical(y: Any, num_classes: int | None = None, dtype: str = "float32") -> Any:
    """One-hot encode integer labels: shape (n,) -> (n, num_classes)."""
    y = numpy.asarray(y, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if y.size and y.min() < 0:
        raise DataError(f"to_categorical expects non-negative integer labels, found {int(y.min())}.")
    if num_classes is None:
        num_classes = int(y.max()) + 1 if y.size else 0
    elif y.size and y.max() >= num_classes:
        raise DataError(f"to_categorical: label {int(y.max())} is out of range for num_classes={num_classes}.")
    out = numpy.zeros((y.size, num_classes), dtype=dtype)
    out[numpy.arange(y.size), y] = 1
    return out.reshape(shape + (num_classes,))


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """Scale ``x`` to unit ``order``-norm along ``axis``."""
    x = numpy.asarray(x)
    norm = numpy.atleast_1d(numpy.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / numpy.expand_dims(norm, axis)
