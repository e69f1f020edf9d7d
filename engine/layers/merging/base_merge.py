"""The shared base of the merging layers: a list of inputs in, one tensor out."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import as_array
from engine.backend import xp
from engine.errors import ShapeError
from engine.layers.input_spec import format_shape
from engine.layers.layer import Layer


def format_shapes(shapes: Any) -> str:
    return "[" + ", ".join(format_shape(tuple(s)) for s in shapes) + "]"


class Merge(Layer):
    """Element-wise merge of several inputs of the same (or broadcastable) shape.

    Subclasses implement ``_merge_function(list_of_tensors)``. Shapes follow
    Keras: batch sizes must agree, other dimensions must match or be 1 (they
    broadcast), and an input of lower rank gains size-1 axes after the batch axis.
    """

    min_inputs = 1
    max_inputs: int | None = None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    # -- shape checks -------------------------------------------------------
    def _check_list(self, input_shape: Any) -> list[tuple]:
        kind = type(self).__name__
        if not isinstance(input_shape, (list, tuple)) or not all(isinstance(s, (list, tuple)) for s in input_shape):
            raise ShapeError(
                f"{kind} layer '{self.name}' must be called on a list of inputs, received one input of shape "
                f"{format_shape(tuple(input_shape))}."
            )
        count = len(input_shape)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            if self.max_inputs == self.min_inputs:
                expected = f"exactly {self.min_inputs}"
            else:
                expected = f"at least {self.min_inputs}"
            raise ShapeError(
                f"{kind} layer '{self.name}' requires {expected} inputs, received {count}: "
                f"{format_shapes(input_shape)}."
            )
        return [tuple(s) for s in input_shape]

    def _shape_error(self, shapes: list[tuple]) -> ShapeError:
        return ShapeError(
            f"{type(self).__name__} layer '{self.name}' requires inputs with matching shapes (or dimensions of "
            f"size 1, which broadcast), received {format_shapes(shapes)}."
        )

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_list(input_shape)
        batches = {s[0] for s in shapes if s and s[0] is not None}
        if len(batches) > 1:
            raise self._shape_error(shapes)
        rank = max(len(s) for s in shapes)
        out: list[Any] = []
        for position in range(1, rank):
            dims = [s[len(s) - rank + position] for s in shapes if len(s) - rank + position >= 1]
            known = {d for d in dims if d is not None and d != 1}
            if len(known) > 1:
                raise self._shape_error(shapes)
            if None in dims:
                out.append(None if not known else known.pop())
            else:
                out.append(known.pop() if known else 1)
        return (batches.pop() if batches else None, *out)

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)
        self.built = True

    # -- the computation -------------------------------------------------
    def call(self, inputs: Any) -> Any:
        shapes = self._check_list([t.shape for t in inputs])
        self.compute_output_shape(shapes)
        rank = max(len(s) for s in shapes)
        aligned = [
            t if t.ndim == rank else ops.reshape(t, (t.shape[0],) + (1,) * (rank - t.ndim) + tuple(t.shape[1:]))
            for t in inputs
        ]
        return self._merge_function(aligned)

    def _merge_function(self, inputs: list[Any]) -> Any:
        raise NotImplementedError  # abstract

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return None
        masks = [as_array(m) for m in (mask if isinstance(mask, (list, tuple)) else [mask]) if m is not None]
        if not masks:
            return None
        out = masks[0].astype(bool)
        for m in masks[1:]:
            out = xp.logical_and(out, m)
        return out
