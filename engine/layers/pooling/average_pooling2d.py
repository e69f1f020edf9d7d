"""AveragePooling2D: 2D average pooling."""

from __future__ import annotations

from engine.layers.pooling._base import BasePooling


class AveragePooling2D(BasePooling):
    """Mean over each 2D window; strides default to pool_size.

    With padding='same' a window averages only its real (non-padded) elements, as in Keras.
    """

    rank = 2
    mode = "average"
