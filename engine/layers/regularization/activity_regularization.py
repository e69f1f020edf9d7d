"""ActivityRegularization: adds an L1/L2 penalty on the activations passing through."""

from __future__ import annotations

from typing import Any

from engine import regularizers
from engine.errors import ConfigError
from engine.layers.layer import Layer


class ActivityRegularization(Layer):
    """Identity on its input; adds ``l1 * sum|x| + l2 * sum(x^2)`` (per sample) to the model's losses."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0, **kwargs: Any) -> None:
        kwargs.pop("activity_regularizer", None)  # derived from l1 and l2
        if float(l1) < 0 or float(l2) < 0:
            raise ConfigError(f"ActivityRegularization: l1 and l2 must be >= 0, got l1={l1!r}, l2={l2!r}.")
        super().__init__(activity_regularizer=regularizers.L1L2(l1=float(l1), l2=float(l2)), **kwargs)
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "l1": self.l1, "l2": self.l2}
        config.pop("activity_regularizer", None)
        return config
