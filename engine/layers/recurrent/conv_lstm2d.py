"""ConvLSTM2D: an LSTM over sequences of images, with convolutions in place of matrix products."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.backend import xp
from engine.layers.input_spec import InputSpec
from engine.layers.recurrent._cell_base import CELL_KEYS
from engine.layers.recurrent.conv_lstm2d_cell import ConvLSTM2DCell
from engine.layers.recurrent.rnn import FusedRNN

_CONV_KEYS = ("kernel_size", "strides", "padding", "data_format", "dilation_rate")


class ConvLSTM2D(FusedRNN):
    """``ConvLSTM2D(filters, kernel_size, ...)`` on ``(batch, time, rows, cols, channels)`` (channels_last).

    The input convolutions of all time steps run as one batched convolution up front; each step then
    convolves the hidden state. Outputs ``(batch, [time,] rows', cols', filters)``.
    """

    cell_class = ConvLSTM2DCell
    cell_keys = tuple(k for k in CELL_KEYS if k != "units") + _CONV_KEYS + ("recurrent_activation", "unit_forget_bias")
    n_states = 2

    def __init__(self, filters: int, kernel_size: Any, **kwargs: Any) -> None:
        kwargs["kernel_size"] = kernel_size
        super().__init__(filters, **kwargs)
        self.input_spec = InputSpec(ndim=5)

    @property
    def filters(self) -> int:
        return self.cell.filters

    def build(self, input_shape: Any) -> None:
        seq_shape = tuple(input_shape[0]) if isinstance(input_shape, list) else tuple(input_shape)
        if not self.cell.built:
            self.cell.build((seq_shape[0], *seq_shape[2:]))
        self._spatial_out = self._spatial(seq_shape)
        self.built = True

    def _spatial(self, seq_shape: tuple) -> tuple:
        spatial = seq_shape[2:4] if self.cell.data_format == "channels_last" else seq_shape[3:5]
        return self.cell.output_spatial(spatial)

    def _step_shape(self, batch: Any, spatial: tuple) -> tuple:
        f = self.filters
        return (batch, *spatial, f) if self.cell.data_format == "channels_last" else (batch, f, *spatial)

    def _state_shapes(self, batch: int) -> list[tuple[int, ...]]:
        return [self._step_shape(batch, self._spatial_out)] * 2

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        sequences = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        self._spatial_out = self._spatial(tuple(sequences.shape))
        return super().call(inputs, training=training, mask=mask)

    def _run(self, sequences: Any, states: list[Any], mask: Any, training: bool) -> tuple[Any, list[Any]]:
        cell = self.cell
        sequences = self._input_dropout(sequences, training)
        batch, steps = sequences.shape[0], sequences.shape[1]
        folded = ops.reshape(sequences, (batch * steps, *sequences.shape[2:]))
        x_conv = cell.input_conv(folded)
        x_conv = ops.reshape(x_conv, (batch, steps, *x_conv.shape[1:]))
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        states = list(states)
        previous, outputs = states[0], []
        for t in order:
            output, new_states = cell.step(x_conv[:, t], states, training=training)
            if mask is not None:
                keep = xp.asarray(mask[:, t]).reshape((batch, 1, 1, 1))
                new_states = [ops.where(keep, n, o) for n, o in zip(new_states, states)]
                output = ops.where(keep, output, ops.multiply(output, 0.0) if self.zero_output_for_mask else previous)
            states, previous = new_states, output
            outputs.append(output)
        result = ops.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return result, states

    def compute_output_shape(self, input_shape: Any) -> Any:
        seq_shape = tuple(input_shape[0]) if isinstance(input_shape, list) else tuple(input_shape)
        batch = seq_shape[0]
        step = self._step_shape(batch, self._spatial(seq_shape))
        output = (batch, seq_shape[1], *step[1:]) if self.return_sequences else step
        return [output, step, step] if self.return_state else output

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("units", None)
        return {"filters": self.filters, **config}
