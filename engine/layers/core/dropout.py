"""Dropout: randomly zeroes a fraction of inputs during training only."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.layer import Layer


class Dropout(Layer):
    """Inverted dropout: active when ``training`` is true, identity otherwise."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ConfigError(f"Dropout layer '{self.name}': rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.supports_masking = True

    def _noise_shape(self, inputs: Any) -> tuple | None:
        if self.noise_shape is None:
            return None
        return tuple(d if n is None else n for d, n in zip(inputs.shape, self.noise_shape))

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        return ops.dropout(inputs, self.rate, self._noise_shape(inputs))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "noise_shape": self.noise_shape, "seed": self.seed}
