"""LSTMCell: Keras's LSTM step (gates i, f, c, o along the kernels' last axis)."""

from __future__ import annotations

from typing import Any

from engine import activations, ops
from engine.backend import xp
from engine.layers.recurrent._cell_base import RecurrentCell


class LSTMCell(RecurrentCell):
    """One LSTM step; states are ``[h, c]``. ``unit_forget_bias`` starts the forget-gate bias at 1."""

    gates = 4

    def __init__(self, units: int, activation: Any = "tanh", recurrent_activation: Any = "sigmoid",
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(units, activation=activation, **kwargs)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list[int]:
        return [self.units, self.units]

    def build(self, input_shape: tuple) -> None:
        init = self.bias_initializer
        if self.unit_forget_bias:
            base, units = self.bias_initializer, self.units

            def init(shape: tuple, dtype: Any = "float32") -> Any:
                parts = [base((units,), dtype), xp.ones((units,), dtype=dtype), base((2 * units,), dtype)]
                return xp.concatenate([xp.asarray(p, dtype=dtype) for p in parts])

        self._build_kernels(input_shape[-1], (4 * self.units,), init)

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        h, c = states
        u = self.units
        z = ops.dense(inputs, self.kernel, self.bias) + ops.matmul(
            self._dropped_recurrent(h, training), self.recurrent_kernel
        )
        i = self.recurrent_activation(z[:, :u])
        f = self.recurrent_activation(z[:, u : 2 * u])
        g = self.activation(z[:, 2 * u : 3 * u])
        o = self.recurrent_activation(z[:, 3 * u :])
        c = f * c + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }
