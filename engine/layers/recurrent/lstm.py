"""LSTM: long short-term memory (Hochreiter & Schmidhuber, 1997) with Keras's weight layout."""

from __future__ import annotations

from typing import Any

from engine.layers.recurrent._cell_base import CELL_KEYS
from engine.layers.recurrent.lstm_cell import LSTMCell
from engine.layers.recurrent.rnn import FusedRNN
from engine.ops import recurrent as recurrent_ops


class LSTM(FusedRNN):
    """``LSTM(units, ...)``: kernel (in, 4u), recurrent_kernel (u, 4u), bias (4u), gates i, f, c, o.

    States are ``[h, c]`` (``return_state=True`` returns ``[output, h, c]``).
    """

    cell_class = LSTMCell
    cell_keys = CELL_KEYS + ("recurrent_activation", "unit_forget_bias")
    n_states = 2

    def _fused(self, sequences: Any, states: list[Any], mask: Any, rdrop: Any, act: str, rec_act: str) -> Any:
        cell = self.cell
        return recurrent_ops.lstm(
            sequences, states[0], states[1], cell.kernel, cell.recurrent_kernel, cell.bias,
            activation=act, recurrent_activation=rec_act, **self._op_options(mask, rdrop),
        )  # fmt: skip
