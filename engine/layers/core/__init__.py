"""Core layers: Input, Dense, Activation, Dropout."""

from engine.layers.core.activation import Activation
from engine.layers.core.dense import Dense
from engine.layers.core.dropout import Dropout
from engine.layers.core.embedding import Embedding
from engine.layers.core.input_layer import Input, InputLayer
from engine.layers.core.masking import Masking

__all__ = ["Activation", "Dense", "Dropout", "Embedding", "Input", "InputLayer", "Masking"]
