"""MaxPooling1D: 1D max pooling over the steps axis."""

from __future__ import annotations

from engine.layers.pooling._base import BasePooling


class MaxPooling1D(BasePooling):
    """Max over each window of steps; strides default to pool_size.

    The gradient goes to the first maximal element of each window (TensorFlow's rule).
    """

    rank = 1
    mode = "max"
