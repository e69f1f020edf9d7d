"""ReLU: the rectified linear unit with Keras's optional cap, leak and threshold."""

from __future__ import annotations

from typing import Any

from engine import activations
from engine.layers.activation_layers._checks import non_negative
from engine.layers.layer import Layer


class ReLU(Layer):
    """``x`` above ``threshold``, ``negative_slope * (x - threshold)`` below, capped at ``max_value``."""

    def __init__(
        self, max_value: float | None = None, negative_slope: float = 0.0, threshold: float = 0.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.max_value = non_negative("ReLU", self.name, "max_value", max_value, allow_none=True)
        self.negative_slope = non_negative("ReLU", self.name, "negative_slope", negative_slope)
        self.threshold = non_negative("ReLU", self.name, "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return activations.relu(
            inputs, negative_slope=self.negative_slope, max_value=self.max_value, threshold=self.threshold
        )

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
