"""RepeatVector: repeats a 2D input ``n`` times along a new time axis."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class RepeatVector(Layer):
    """``(batch, features) -> (batch, n, features)``."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
            raise ConfigError(f"RepeatVector layer '{self.name}': n must be a positive integer, got {n!r}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Any) -> Any:
        return ops.repeat(ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}
