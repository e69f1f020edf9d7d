"""SimpleRNN: a fully connected RNN whose output is fed back as the next step's state."""

from __future__ import annotations

from typing import Any

from engine.layers.recurrent._cell_base import CELL_KEYS
from engine.layers.recurrent.rnn import FusedRNN
from engine.layers.recurrent.simple_rnn_cell import SimpleRNNCell
from engine.ops import recurrent as recurrent_ops


class SimpleRNN(FusedRNN):
    """``SimpleRNN(units, activation='tanh', ...)``: weights kernel (in, u), recurrent_kernel (u, u), bias (u)."""

    cell_class = SimpleRNNCell
    cell_keys = CELL_KEYS

    def _fused(self, sequences: Any, states: list[Any], mask: Any, rdrop: Any, act: str, rec_act: str) -> Any:
        cell = self.cell
        return recurrent_ops.simple_rnn(
            sequences, states[0], cell.kernel, cell.recurrent_kernel, cell.bias,
            activation=act, **self._op_options(mask, rdrop),
        )  # fmt: skip
