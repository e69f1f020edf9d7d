"""Flatten: collapses every non-batch axis into one."""

from __future__ import annotations

import math
from typing import Any

from engine import ops
from engine.backend import standardize_data_format
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class Flatten(Layer):
    """``(batch, d1, d2, ...) -> (batch, d1 * d2 * ...)``.

    With ``channels_first`` inputs the channel axis is moved last first, so the
    flattened order is the same as for ``channels_last`` data (Keras does this).
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs: Any) -> Any:
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = ops.transpose(inputs, (0, *range(2, inputs.ndim), 1))
        return ops.reshape(inputs, (inputs.shape[0], -1))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}
