"""Turning what users pass to ``fit`` into batches.

Arrays (NumPy, or array-likes such as HDF5 datasets), lists/dicts of them,
Python generators and ``utils.Sequence`` objects all become a ``DataSource``
that yields ``(x, y, sample_weight)`` batches epoch after epoch.
``validation_split`` takes the *last* fraction of the arrays, before any
shuffling, so the same samples are held out every epoch (Keras semantics).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterator
from typing import Any

import numpy  # host-side index bookkeeping only; batches are sliced from the user's arrays

from engine.backend import random as engine_random
from engine.errors import DataError

Batch = tuple[Any, Any, Any]


def _leaves(structure: Any) -> list[Any]:
    if structure is None:
        return []
    if isinstance(structure, dict):
        return [v for value in structure.values() for v in _leaves(value)]
    if isinstance(structure, (list, tuple)):
        return [v for value in structure for v in _leaves(value)]
    return [structure]


def _map(fn: Any, structure: Any) -> Any:
    if structure is None:
        return None
    if isinstance(structure, dict):
        return {k: _map(fn, v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(_map(fn, v) for v in structure)
    return fn(structure)


def _as_array_like(value: Any) -> Any:
    """Keep array-likes (HDF5 datasets, memmaps) lazy; turn lists of numbers into arrays."""
    if hasattr(value, "shape") and hasattr(value, "__getitem__"):
        return value
    if hasattr(value, "numpy") and callable(value.numpy):
        return value.numpy()
    return numpy.asarray(value)


def standardize(x: Any) -> Any:
    if x is None:
        return None
    if isinstance(x, dict):
        return {k: _as_array_like(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)) and x and all(hasattr(v, "shape") for v in x):
        return [_as_array_like(v) for v in x]
    return _as_array_like(x)


def num_samples(x: Any, y: Any = None, sample_weight: Any = None) -> int:
    """The common number of samples, or a DataError naming the mismatching arrays."""
    sizes = []
    for label, structure in (("x", x), ("y", y), ("sample_weight", sample_weight)):
        for index, leaf in enumerate(_leaves(structure)):
            shape = getattr(leaf, "shape", None)
            if shape is None or len(shape) == 0:
                raise DataError(f"{label} must be arrays with a leading sample dimension, received {leaf!r}.")
            name = label if len(_leaves(structure)) == 1 else f"{label}[{index}]"
            sizes.append((name, int(shape[0])))
    if not sizes:
        raise DataError("No data was given: pass x (and y for training).")
    if len({n for _, n in sizes}) > 1:
        listing = ", ".join(f"{name} has {n}" for name, n in sizes)
        raise DataError(f"Data cardinality is ambiguous: {listing} samples. Make sure all arrays have the same length.")
    return sizes[0][1]


def split_validation(x: Any, y: Any, sample_weight: Any, fraction: float) -> tuple[tuple, tuple]:
    """Hold out the last ``fraction`` of the samples (before shuffling), as Keras does."""
    if not 0.0 < fraction < 1.0:
        raise DataError(f"validation_split must be between 0 and 1 (exclusive), received {fraction!r}.")
    total = num_samples(x, y, sample_weight)
    split_at = int(total * (1.0 - fraction))
    if split_at in (0, total):
        raise DataError(
            f"validation_split={fraction} leaves no {'training' if split_at == 0 else 'validation'} samples "
            f"out of {total}."
        )

    def head(a: Any) -> Any:
        return a[:split_at] if isinstance(a, numpy.ndarray) else RowRange(a, 0, split_at)

    def tail(a: Any) -> Any:
        return a[split_at:] if isinstance(a, numpy.ndarray) else RowRange(a, split_at, int(a.shape[0]))

    return (
        (_map(head, x), _map(head, y), _map(head, sample_weight)),
        (_map(tail, x), _map(tail, y), _map(tail, sample_weight)),
    )


class RowRange:
    """Rows ``[start, stop)`` of a lazy array-like (HDF5 dataset), still read only batch by batch."""

    def __init__(self, base: Any, start: int, stop: int) -> None:
        self.base, self.start, self.stop = base, start, stop
        self.shape = (stop - start, *tuple(base.shape[1:]))
        self.dtype = base.dtype

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            first, stop, step = index.indices(len(self))
            return self.base[slice(self.start + first, self.start + max(stop, first), step)]
        if isinstance(index, (int, numpy.integer)):
            return self.base[self.start + int(index) % len(self)]
        return self.base[(numpy.asarray(index) + self.start).tolist()]


def class_weights_to_sample_weights(y: Any, class_weight: dict[int, float]) -> Any:
    """Per-sample weights from ``{class: weight}`` (y as integer labels or one-hot)."""
    y = numpy.asarray(y)
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0].round()
    weights = numpy.ones(len(y), dtype="float64")
    for cls, weight in class_weight.items():
        weights[labels == int(cls)] = float(weight)
    return weights


class DataSource:
    """Batches over one epoch; ``steps`` is the number of batches per epoch (None: unknown)."""

    steps: int | None = None

    def epoch(self) -> Iterator[Batch]:
        raise NotImplementedError  # abstract

    def on_epoch_end(self) -> None:
        """Hook for ``utils.Sequence.on_epoch_end``."""


class ArraySource(DataSource):
    """Mini-batches sliced from in-memory or lazily-read arrays."""

    def __init__(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        batch_size: int = 32,
        shuffle: bool | str = False,
        steps: int | None = None,
        class_weight: dict | None = None,
    ) -> None:
        if not isinstance(batch_size, int) or batch_size <= 0:
            raise DataError(f"batch_size must be a positive integer, received {batch_size!r}.")
        self.x, self.y = standardize(x), standardize(y)
        self.sample_weight = standardize(sample_weight)
        self.count = num_samples(self.x, self.y, self.sample_weight)
        if class_weight is not None and self.y is not None:
            if len(_leaves(self.y)) != 1:
                raise DataError("class_weight is only supported for models with a single output.")
            weights = class_weights_to_sample_weights(_leaves(self.y)[0], class_weight)
            base = numpy.ones(self.count) if self.sample_weight is None else numpy.asarray(self.sample_weight)
            self.sample_weight = base * weights
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.batches_in_data = math.ceil(self.count / batch_size)
        self.steps = steps or self.batches_in_data
        self._lazy = any(not isinstance(a, numpy.ndarray) for a in _leaves(self.x) + _leaves(self.y))

    def _order(self) -> Any:
        if self.shuffle == "batch" or (self.shuffle and self._lazy):
            # Shuffle whole batches so lazy (HDF5) reads stay contiguous.
            batches = engine_random.generator().permutation(self.batches_in_data)
            return [(int(b) * self.batch_size, min((int(b) + 1) * self.batch_size, self.count)) for b in batches]
        if self.shuffle:
            return engine_random.generator().permutation(self.count)
        return None

    def epoch(self) -> Iterator[Batch]:
        order = self._order()
        produced = 0
        while produced < self.steps:
            for b in range(self.batches_in_data):
                if produced >= self.steps:
                    break
                if order is None:
                    index: Any = slice(b * self.batch_size, min((b + 1) * self.batch_size, self.count))
                elif isinstance(order, list):
                    start, stop = order[b]
                    index = slice(start, stop)
                else:
                    index = order[b * self.batch_size : (b + 1) * self.batch_size]
                yield self._take(index)
                produced += 1
            order = self._order()

    def _take(self, index: Any) -> Batch:
        def pick(a: Any) -> Any:
            if isinstance(index, slice) or isinstance(a, numpy.ndarray):
                return a[index]
            sorted_index = numpy.sort(index)
            return numpy.asarray(a[sorted_index.tolist()])

        return _map(pick, self.x), _map(pick, self.y), _map(pick, self.sample_weight)


class GeneratorSource(DataSource):
    """Batches from a Python generator/iterator or a ``utils.Sequence``."""

    def __init__(self, data: Any, steps: int | None = None) -> None:
        self.data = data
        self.is_sequence = hasattr(data, "__getitem__") and hasattr(data, "__len__")
        if self.is_sequence:
            self.steps = steps or len(data)
        else:
            if steps is None:
                raise DataError(
                    "steps_per_epoch (or steps) is required when the data is a Python generator: "
                    "the engine cannot know where an epoch ends."
                )
            self.steps = steps
            self._iterator = iter(data)

    def epoch(self) -> Iterator[Batch]:
        for step in range(self.steps):
            if self.is_sequence:
                item = self.data[step % len(self.data)]
            else:
                try:
                    item = next(self._iterator)
                except StopIteration:
                    return
            yield unpack_batch(item)

    def on_epoch_end(self) -> None:
        if self.is_sequence and hasattr(self.data, "on_epoch_end"):
            self.data.on_epoch_end()


def unpack_batch(item: Any) -> Batch:
    if isinstance(item, tuple):
        if len(item) == 2:
            return item[0], item[1], None
        if len(item) == 3:
            return item
        if len(item) == 1:
            return item[0], None, None
    return item, None, None


def is_generator_like(x: Any) -> bool:
    if inspect.isgenerator(x):
        return True
    from engine.utils.sequence import Sequence  # noqa: PLC0415

    if isinstance(x, Sequence):
        return True
    return hasattr(x, "__next__") and not hasattr(x, "shape")


def make_source(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    batch_size: int | None = None,
    shuffle: bool | str = False,
    steps: int | None = None,
    class_weight: dict | None = None,
) -> DataSource:
    if is_generator_like(x):
        if y is not None:
            raise DataError("When x is a generator or Sequence, y must be None: the generator yields (x, y) pairs.")
        return GeneratorSource(x, steps)
    return ArraySource(x, y, sample_weight, batch_size or 32, shuffle, steps, class_weight)
