"""LeakyReLU: a ReLU with a small fixed slope for negative inputs."""

from __future__ import annotations

from typing import Any

from engine import activations
from engine.layers.activation_layers._checks import non_negative
from engine.layers.layer import Layer


class LeakyReLU(Layer):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    ``negative_slope`` is the Keras 3 name; the Keras 2 name ``alpha`` is accepted
    too (configs from either load), and the config is written the Keras 3 way.
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = non_negative("LeakyReLU", self.name, "negative_slope", negative_slope)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}
