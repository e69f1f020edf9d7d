"""StackedRNNCells: several cells run as one, each feeding the next within every time step."""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError
from engine.layers.layer import Layer


class StackedRNNCells(Layer):
    """``RNN(StackedRNNCells([LSTMCell(8), LSTMCell(4)]))`` (or ``RNN([cell, cell])``): a deep recurrent step.

    The states are the cells' states in order (an LSTMCell contributes two); the output is the last cell's.
    """

    def __init__(self, cells: list[Any], **kwargs: Any) -> None:
        from engine.models.model_config import deserialize_layer  # noqa: PLC0415

        super().__init__(**kwargs)
        cells = [deserialize_layer(c) if isinstance(c, dict) else c for c in cells]
        if not cells or not all(isinstance(c, Layer) and hasattr(c, "state_size") for c in cells):
            raise ConfigError(f"StackedRNNCells '{self.name}' needs a non-empty list of cells, received {cells!r}.")
        self.cells = cells

    def _sublayers(self) -> list[Layer]:
        return list(self.cells)

    @staticmethod
    def _sizes(cell: Any) -> list[int]:
        size = cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_size(self) -> list[int]:
        return [n for cell in self.cells for n in self._sizes(cell)]

    @property
    def output_size(self) -> int:
        return self._sizes(self.cells[-1])[0]

    def build(self, input_shape: tuple) -> None:
        shape = tuple(input_shape)
        for cell in self.cells:
            if not cell.built:
                cell.build(shape)
                cell.built = True
            shape = (shape[0], self._sizes(cell)[0])
        self.built = True

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        new_states: list[Any] = []
        position = 0
        for cell in self.cells:
            count = len(self._sizes(cell))
            own = list(states[position : position + count])
            position += count
            if hasattr(cell, "_dropped_input"):
                inputs = cell._dropped_input(inputs, training)
            inputs, cell_states = cell.call(inputs, own, training=training)
            new_states.extend(cell_states if isinstance(cell_states, (list, tuple)) else [cell_states])
        return inputs, new_states

    def get_config(self) -> dict[str, Any]:
        from engine.models.model_config import serialize_layer  # noqa: PLC0415

        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}
