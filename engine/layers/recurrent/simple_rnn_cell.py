"""SimpleRNNCell: ``h_t = activation(x_t @ kernel + h_{t-1} @ recurrent_kernel + bias)``."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.layers.recurrent._cell_base import RecurrentCell


class SimpleRNNCell(RecurrentCell):
    """One step of a fully connected RNN whose output is its state."""

    def build(self, input_shape: tuple) -> None:
        self._build_kernels(input_shape[-1], (self.units,), self.bias_initializer)

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h = states[0] if isinstance(states, (list, tuple)) else states
        z = ops.dense(inputs, self.kernel, self.bias) + ops.matmul(
            self._dropped_recurrent(h, training), self.recurrent_kernel
        )
        output = self.activation(z)
        return output, [output]
