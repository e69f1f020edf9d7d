"""Dot: per-sample dot products between two inputs along chosen axes."""

from __future__ import annotations

import math
from typing import Any

from engine import ops
from engine.errors import ConfigError, ShapeError
from engine.layers.merging.base_merge import Merge, format_shapes

_L2_EPSILON = 1e-12  # tf.math.l2_normalize's floor on the squared norm


class Dot(Merge):
    """``batch_dot`` of two inputs: contract ``axes[0]`` of the first with ``axes[1]`` of the second.

    With ``normalize=True`` both inputs are L2-normalized along those axes first,
    giving cosine similarities. Axes count the batch axis as 0, which may not be
    contracted. The output has the remaining axes of both (``(batch, 1)`` if none).
    """

    min_inputs = 2
    max_inputs = 2

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        valid_int = isinstance(axes, int) and not isinstance(axes, bool)
        valid_pair = isinstance(axes, (list, tuple)) and len(axes) == 2 and all(isinstance(a, int) for a in axes)
        if not (valid_int or valid_pair):
            raise ConfigError(f"Dot layer '{self.name}': axes must be an int or a list of 2 ints, got {axes!r}.")
        self.axes = axes if valid_int else list(axes)
        self.normalize = bool(normalize)
        self.supports_masking = False

    def _resolve_axes(self, shapes: list[tuple]) -> tuple[int, int]:
        pair = [self.axes, self.axes] if isinstance(self.axes, int) else self.axes
        resolved = []
        for axis, shape in zip(pair, shapes, strict=True):
            if not -len(shape) <= axis < len(shape) or axis % len(shape) == 0:
                raise ShapeError(
                    f"Dot layer '{self.name}': axes {self.axes!r} must name non-batch axes of the inputs, "
                    f"received {format_shapes(shapes)}."
                )
            resolved.append(axis % len(shape))
        return resolved[0], resolved[1]

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_list(input_shape)
        a, b = self._resolve_axes(shapes)
        first, second = shapes
        if first[a] is not None and second[b] is not None and first[a] != second[b]:
            raise ShapeError(
                f"Dot layer '{self.name}' cannot contract axis {a} (size {first[a]}) of the first input with axis "
                f"{b} (size {second[b]}) of the second, received {format_shapes(shapes)}."
            )
        if first[0] is not None and second[0] is not None and first[0] != second[0]:
            raise ShapeError(f"Dot layer '{self.name}' requires equal batch sizes, received {format_shapes(shapes)}.")
        rest = [d for i, d in enumerate(first) if i not in (0, a)] + [
            d for i, d in enumerate(second) if i not in (0, b)
        ]
        return (first[0], *(rest or [1]))

    def call(self, inputs: Any) -> Any:
        shapes = self._check_list([t.shape for t in inputs])
        self.compute_output_shape(shapes)
        a, b = self._resolve_axes(shapes)
        x, y = inputs
        if self.normalize:
            x, y = _l2_normalize(x, a), _l2_normalize(y, b)
        return _batch_dot(x, y, a, b)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _l2_normalize(x: Any, axis: int) -> Any:
    squared = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.divide(x, ops.sqrt(ops.maximum(squared, _L2_EPSILON)))


def _batch_dot(x: Any, y: Any, a: int, b: int) -> Any:
    """One batched GEMM: ``(B, X, K) @ (B, K, Y)`` after moving the contracted axes into place."""
    batch = x.shape[0]
    x_rest = [i for i in range(1, x.ndim) if i != a]
    y_rest = [i for i in range(1, y.ndim) if i != b]
    x_dims = [x.shape[i] for i in x_rest]
    y_dims = [y.shape[i] for i in y_rest]
    xt = ops.reshape(ops.transpose(x, (0, *x_rest, a)), (batch, math.prod(x_dims), x.shape[a]))
    yt = ops.reshape(ops.transpose(y, (0, b, *y_rest)), (batch, y.shape[b], math.prod(y_dims)))
    out = ops.matmul(xt, yt)
    return ops.reshape(out, (batch, *(x_dims + y_dims or [1])))
