"""GRUCell: Keras's GRU step (gates z, r, h); ``reset_after`` picks where the reset gate applies."""

from __future__ import annotations

from typing import Any

from engine import activations, ops
from engine.layers.recurrent._cell_base import RecurrentCell


class GRUCell(RecurrentCell):
    """One GRU step. ``reset_after=True`` (Keras's default, cuDNN-compatible) keeps separate input and
    recurrent biases (bias shape (2, 3u)) and applies r to the recurrent projection including its bias;
    ``reset_after=False`` applies r to h before the projection (bias shape (3u,))."""

    gates = 3

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 reset_after: bool = True, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.reset_after = bool(reset_after)

    def build(self, input_shape: tuple) -> None:
        shape = (2, 3 * self.units) if self.reset_after else (3 * self.units,)
        self._build_kernels(input_shape[-1], shape, self.bias_initializer)

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h = states[0] if isinstance(states, (list, tuple)) else states
        u = self.units
        h_in = self._dropped_recurrent(h, training)
        if self.reset_after:
            b_in = None if self.bias is None else self.bias[0]
            x = ops.dense(inputs, self.kernel, b_in)
            rec = ops.matmul(h_in, self.recurrent_kernel)
            if self.bias is not None:
                rec = rec + self.bias[1]
            z = self.recurrent_activation(x[:, :u] + rec[:, :u])
            r = self.recurrent_activation(x[:, u : 2 * u] + rec[:, u : 2 * u])
            hh = self.activation(x[:, 2 * u :] + r * rec[:, 2 * u :])
        else:
            x = ops.dense(inputs, self.kernel, self.bias)
            rec = ops.matmul(h_in, self.recurrent_kernel[:, : 2 * u])
            z = self.recurrent_activation(x[:, :u] + rec[:, :u])
            r = self.recurrent_activation(x[:, u : 2 * u] + rec[:, u:])
            hh = self.activation(x[:, 2 * u :] + ops.matmul(r * h_in, self.recurrent_kernel[:, 2 * u :]))
        h = z * h + (1.0 - z) * hh
        return h, [h]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "reset_after": self.reset_after,
        }
