"""MaxPooling2D: 2D max pooling."""

from __future__ import annotations

from engine.layers.pooling._base import BasePooling


class MaxPooling2D(BasePooling):
    """Max over each 2D window; strides default to pool_size.

    The gradient goes to the first maximal element of each window (TensorFlow's rule).
    """

    rank = 2
    mode = "max"
