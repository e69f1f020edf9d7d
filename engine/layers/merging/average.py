"""Average: element-wise mean of the inputs."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.layers.merging.base_merge import Merge


class Average(Merge):
    """Element-wise mean of the inputs. Shapes must match (size-1 dimensions broadcast)."""

    def _merge_function(self, inputs: list[Any]) -> Any:
        out = inputs[0]
        for x in inputs[1:]:
            out = ops.add(out, x)
        return ops.multiply(out, 1.0 / len(inputs))
