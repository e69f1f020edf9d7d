"""Concatenate: joins a list of inputs along one axis."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import as_array
from engine.backend import xp
from engine.errors import ConfigError, ShapeError
from engine.layers.merging.base_merge import Merge, format_shapes


class Concatenate(Merge):
    """Concatenate inputs along ``axis``; all other dimensions must match."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise ConfigError(f"Concatenate layer '{self.name}': axis must be an int, got {axis!r}.")
        self.axis = axis

    def _shape_error(self, shapes: list[tuple]) -> ShapeError:
        return ShapeError(
            f"Concatenate layer '{self.name}' requires inputs with matching shapes except for the concatenation "
            f"axis {self.axis}, received {format_shapes(shapes)}."
        )

    def compute_output_shape(self, input_shape: Any) -> tuple:
        shapes = self._check_list(input_shape)
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes) or not -rank <= self.axis < rank:
            raise self._shape_error(shapes)
        axis = self.axis % rank
        out: list[Any] = []
        for position in range(rank):
            dims = [s[position] for s in shapes]
            if position == axis:
                out.append(None if None in dims else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise self._shape_error(shapes)
            out.append(known.pop() if known else None)
        return tuple(out)

    def call(self, inputs: Any) -> Any:
        self.compute_output_shape([t.shape for t in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or all(m is None for m in mask):
            return None
        masks = []
        for tensor, given in zip(inputs, mask, strict=True):
            if given is None:
                masks.append(xp.ones(tensor.shape, dtype=bool))
                continue
            m = as_array(given).astype(bool)
            if m.ndim < tensor.ndim:
                m = xp.broadcast_to(xp.expand_dims(m, -1), tensor.shape)
            masks.append(m)
        return xp.any(xp.concatenate(masks, axis=self.axis), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
