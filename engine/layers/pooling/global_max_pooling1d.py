"""GlobalMaxPooling1D: the maximum over all steps, per channel."""

from __future__ import annotations

from engine.layers.pooling._base import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Per-channel the maximum over all steps; keepdims=True keeps the reduced axes with size 1."""

    rank = 1
    mode = "max"
