"""GRU: gated recurrent unit (Cho et al., 2014) with Keras's weight layout and reset_after switch."""

from __future__ import annotations

from typing import Any

from engine.layers.recurrent._cell_base import CELL_KEYS
from engine.layers.recurrent.gru_cell import GRUCell
from engine.layers.recurrent.rnn import FusedRNN
from engine.ops import recurrent as recurrent_ops


class GRU(FusedRNN):
    """``GRU(units, reset_after=True, ...)``: kernel (in, 3u), recurrent_kernel (u, 3u), gates z, r, h;
    bias (2, 3u) with ``reset_after=True`` (Keras's default), (3u,) otherwise."""

    cell_class = GRUCell
    cell_keys = CELL_KEYS + ("recurrent_activation", "reset_after")

    def _fused(self, sequences: Any, states: list[Any], mask: Any, rdrop: Any, act: str, rec_act: str) -> Any:
        cell = self.cell
        return recurrent_ops.gru(
            sequences, states[0], cell.kernel, cell.recurrent_kernel, cell.bias,
            activation=act, recurrent_activation=rec_act, reset_after=cell.reset_after,
            **self._op_options(mask, rdrop),
        )  # fmt: skip
