"""Reshape: gives each sample a new shape (the batch axis is kept)."""

from __future__ import annotations

import math
from typing import Any

from engine import ops
from engine.errors import ConfigError, ShapeError
from engine.layers.input_spec import format_shape
from engine.layers.layer import Layer


class Reshape(Layer):
    """Reshape each sample to ``target_shape``; one entry may be -1 (inferred)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_shape, int) and not isinstance(target_shape, bool):
            target_shape = (target_shape,)
        valid = isinstance(target_shape, (list, tuple)) and all(
            isinstance(d, int) and not isinstance(d, bool) and (d > 0 or d == -1) for d in target_shape
        )
        if not valid or list(target_shape).count(-1) > 1:
            raise ConfigError(
                f"Reshape layer '{self.name}': target_shape must be a tuple of positive ints with at most one -1, "
                f"got {target_shape!r}."
            )
        self.target_shape = tuple(target_shape)

    def _resolve(self, input_shape: tuple) -> tuple:
        """The per-sample output shape, or a ShapeError naming both shapes."""
        sample = input_shape[1:]
        if any(d is None for d in sample):
            return tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(sample)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if total % known:
                self._mismatch(input_shape, total)
            return tuple(total // known if d == -1 else d for d in self.target_shape)
        if known != total:
            self._mismatch(input_shape, total)
        return self.target_shape

    def _mismatch(self, input_shape: tuple, total: int) -> None:
        raise ShapeError(
            f"Reshape layer '{self.name}' cannot reshape an input of shape {format_shape(tuple(input_shape))} "
            f"({total} values per sample) to target_shape {format_shape(self.target_shape)}."
        )

    def call(self, inputs: Any) -> Any:
        return ops.reshape(inputs, (inputs.shape[0], *self._resolve(inputs.shape)))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *self._resolve(tuple(input_shape)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}
