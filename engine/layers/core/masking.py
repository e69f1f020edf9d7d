"""Masking: marks time steps whose features all equal ``mask_value`` as padding."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import Tensor
from engine.backend import xp
from engine.layers.layer import Layer


class Masking(Layer):
    """Zeroes padded steps and attaches a ``(batch, time)`` mask that recurrent layers skip over."""

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs: Any) -> Any:
        return xp.any(xp.not_equal((inputs.data if isinstance(inputs, Tensor) else inputs), self.mask_value), axis=-1)

    def call(self, inputs: Any) -> Any:
        keep = self._keep(inputs)[..., None].astype(inputs.dtype)
        return ops.multiply(inputs, keep)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return self._keep(inputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
