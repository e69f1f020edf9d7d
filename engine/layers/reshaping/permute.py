"""Permute: reorders the non-batch axes of each sample."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class Permute(Layer):
    """Permute axes by ``dims``: a permutation of 1..n (1-based; the batch axis 0 stays put)."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        dims = tuple(dims) if isinstance(dims, (list, tuple)) else dims
        if not isinstance(dims, tuple) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ConfigError(
                f"Permute layer '{self.name}': dims must be a permutation of 1..n (1-based, without the batch "
                f"axis), got {dims!r}."
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs: Any) -> Any:
        return ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}
