"""Subtract: the first input minus the second."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.layers.merging.base_merge import Merge


class Subtract(Merge):
    """``inputs[0] - inputs[1]``; takes exactly two inputs."""

    min_inputs = 2
    max_inputs = 2

    def _merge_function(self, inputs: list[Any]) -> Any:
        return ops.subtract(inputs[0], inputs[1])
