"""GaussianDropout: multiplicative ``N(1, rate / (1 - rate))`` noise while training."""

from __future__ import annotations

import math
from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.layer import Layer
from engine.layers.regularization._noise import NoiseSource


class GaussianDropout(Layer):
    """Multiplies by noise of mean 1 and stddev ``sqrt(rate / (1 - rate))`` in training; identity at inference.

    The variance matches that of inverted dropout with the same ``rate``.
    """

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ConfigError(f"GaussianDropout layer '{self.name}': rate must be in [0, 1), got {rate!r}.")
        self.rate = float(rate)
        self.seed = seed
        self._noise = NoiseSource(seed)
        self.supports_masking = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return ops.multiply(inputs, self._noise.normal(inputs.shape, 1.0, stddev, inputs.dtype))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
