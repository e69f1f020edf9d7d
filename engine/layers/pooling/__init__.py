"""Pooling layers: windowed max/average pooling and global pooling, 1D and 2D."""

from engine.layers.pooling.average_pooling1d import AveragePooling1D
from engine.layers.pooling.average_pooling2d import AveragePooling2D
from engine.layers.pooling.global_average_pooling1d import GlobalAveragePooling1D
from engine.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from engine.layers.pooling.global_max_pooling1d import GlobalMaxPooling1D
from engine.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from engine.layers.pooling.max_pooling1d import MaxPooling1D
from engine.layers.pooling.max_pooling2d import MaxPooling2D

__all__ = [
    "AveragePooling1D",
    "AveragePooling2D",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "MaxPooling1D",
    "MaxPooling2D",
]
