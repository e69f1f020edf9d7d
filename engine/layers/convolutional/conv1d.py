"""Conv1D: a temporal convolution over (batch, steps, channels)."""

from __future__ import annotations

from engine.layers.convolutional._base import BaseConv


class Conv1D(BaseConv):
    """1D convolution; kernel (kernel_size, in/groups, filters). 'causal' padding pads the start only."""

    rank = 1
    paddings = ("valid", "same", "causal")
