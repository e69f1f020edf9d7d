"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from engine.layers.activation_layers.elu import ELU
from engine.layers.activation_layers.leaky_relu import LeakyReLU
from engine.layers.activation_layers.prelu import PReLU
from engine.layers.activation_layers.relu import ReLU
from engine.layers.activation_layers.softmax import Softmax

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
