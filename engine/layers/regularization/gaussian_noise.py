"""GaussianNoise: additive zero-mean noise while training, a data-augmentation regularizer."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.layer import Layer
from engine.layers.regularization._noise import NoiseSource


class GaussianNoise(Layer):
    """Adds ``N(0, stddev)`` noise in training; identity at inference."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if float(stddev) < 0:
            raise ConfigError(f"GaussianNoise layer '{self.name}': stddev must be >= 0, got {stddev!r}.")
        self.stddev = float(stddev)
        self.seed = seed
        self._noise = NoiseSource(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.stddev == 0:
            return inputs
        return ops.add(inputs, self._noise.normal(inputs.shape, 0.0, self.stddev, inputs.dtype))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
