"""AveragePooling1D: 1D average pooling over the steps axis."""

from __future__ import annotations

from engine.layers.pooling._base import BasePooling


class AveragePooling1D(BasePooling):
    """Mean over each window of steps; strides default to pool_size.

    With padding='same' a window averages only its real (non-padded) elements, as in Keras.
    """

    rank = 1
    mode = "average"
