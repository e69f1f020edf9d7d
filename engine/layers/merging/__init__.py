"""Merging layers: combine a list of inputs into one tensor."""

from engine.layers.merging.add import Add
from engine.layers.merging.average import Average
from engine.layers.merging.concatenate import Concatenate
from engine.layers.merging.dot import Dot
from engine.layers.merging.maximum import Maximum
from engine.layers.merging.minimum import Minimum
from engine.layers.merging.multiply import Multiply
from engine.layers.merging.subtract import Subtract

__all__ = ["Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract"]
