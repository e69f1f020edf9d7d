"""InputSpec: what a layer accepts, checked on every call with a readable error."""

from __future__ import annotations

from typing import Any

from engine.errors import ShapeError


class InputSpec:
    """Constraints on one input: rank (``ndim``, ``min_ndim``, ``max_ndim``) and fixed axes."""

    def __init__(
        self,
        ndim: int | None = None,
        min_ndim: int | None = None,
        max_ndim: int | None = None,
        axes: dict[int, int] | None = None,
    ) -> None:
        self.ndim = ndim
        self.min_ndim = min_ndim
        self.max_ndim = max_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name: str, shape: tuple[Any, ...], index: int = 0) -> None:
        """Raise ShapeError naming the layer when ``shape`` does not satisfy the spec."""
        where = f"Input {index} of layer '{layer_name}'"
        rank = len(shape)
        if self.ndim is not None and rank != self.ndim:
            raise ShapeError(f"{where} expects rank {self.ndim} (ndim={self.ndim}), received shape {_fmt(shape)}.")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ShapeError(f"{where} expects rank >= {self.min_ndim}, received shape {_fmt(shape)}.")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ShapeError(f"{where} expects rank <= {self.max_ndim}, received shape {_fmt(shape)}.")
        for axis, size in self.axes.items():
            if size is None or -rank > axis or axis >= rank:
                continue
            if shape[axis] is not None and shape[axis] != size:
                raise ShapeError(f"{where} expects axis {axis} of size {size}, received shape {_fmt(shape)}.")


def _fmt(shape: tuple[Any, ...]) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


format_shape = _fmt
