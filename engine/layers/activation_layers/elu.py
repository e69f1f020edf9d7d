"""ELU: the exponential linear unit."""

from __future__ import annotations

from typing import Any

from engine import activations
from engine.errors import ConfigError
from engine.layers.layer import Layer


class ELU(Layer):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float)):
            raise ConfigError(f"ELU layer '{self.name}': alpha must be a number, got {alpha!r}.")
        self.alpha = float(alpha)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}
