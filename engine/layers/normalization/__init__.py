"""Normalization layers: BatchNormalization, LayerNormalization."""

from engine.layers.normalization.batch_normalization import BatchNormalization
from engine.layers.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "LayerNormalization"]
