"""GlobalAveragePooling1D: the mean over all steps, per channel; masked steps are left out."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.layers.pooling._base import BaseGlobalPooling


class GlobalAveragePooling1D(BaseGlobalPooling):
    """Per-channel mean over steps; with a (batch, steps) mask only unmasked steps count (Keras)."""

    rank = 1
    mode = "average"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(data_format=data_format, keepdims=keepdims, **kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return super().call(inputs)
        axis = self._spatial_axes()[0]
        weights = ops.cast(mask, inputs.dtype)
        weights = ops.expand_dims(weights, 2 if axis == 1 else 1)
        total = ops.sum(inputs * weights, axis=axis, keepdims=self.keepdims)
        return total / ops.sum(weights, axis=axis, keepdims=self.keepdims)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None
