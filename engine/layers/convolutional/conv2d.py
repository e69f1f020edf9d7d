"""Conv2D: a spatial convolution over images."""

from __future__ import annotations

from engine.layers.convolutional._base import BaseConv


class Conv2D(BaseConv):
    """2D convolution; kernel (kh, kw, in/groups, filters) as in Keras, 'same' pads bottom/right first."""

    rank = 2
