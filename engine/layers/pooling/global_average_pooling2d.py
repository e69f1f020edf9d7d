"""GlobalAveragePooling2D: the mean over height and width, per channel."""

from __future__ import annotations

from engine.layers.pooling._base import BaseGlobalPooling


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Per-channel the mean over height and width; keepdims=True keeps the reduced axes with size 1."""

    rank = 2
    mode = "average"
