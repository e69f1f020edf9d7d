"""ConvLSTM2DCell: an LSTM step whose input and recurrent transforms are 2D convolutions."""

from __future__ import annotations

from typing import Any

from engine import activations, backend, ops
from engine.backend import xp
from engine.layers.convolutional._base import channel_axis, normalize_padding, normalize_tuple
from engine.layers.recurrent._cell_base import RecurrentCell
from engine.ops.conv import conv_output_length


class ConvLSTM2DCell(RecurrentCell):
    """Keras's ConvLSTM cell: kernel (kh, kw, in, 4f), recurrent_kernel (kh, kw, f, 4f), bias (4f), gates i, f, c, o.

    The input convolution uses ``strides``/``padding``/``dilation_rate``; the recurrent one is
    stride 1 with "same" padding, so the states keep the input convolution's output size.
    """

    gates = 4

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        unit_forget_bias: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(filters, activation=activation, **kwargs)
        where = f"ConvLSTM2DCell '{self.name}'"
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", where)
        self.strides = normalize_tuple(strides, 2, "strides", where)
        self.padding = normalize_padding(padding, ("valid", "same"), where)
        self.data_format = backend.standardize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", where)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.unit_forget_bias = bool(unit_forget_bias)

    @property
    def state_size(self) -> list[int]:
        return [self.filters, self.filters]

    def output_spatial(self, spatial: tuple) -> tuple:
        return tuple(
            conv_output_length(n, k, s, self.padding, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )

    def build(self, input_shape: tuple) -> None:
        channels = input_shape[channel_axis(self.data_format)]
        f, kh, kw = self.filters, *self.kernel_size
        self.kernel = self.add_weight(
            "kernel", (kh, kw, channels, 4 * f), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (kh, kw, f, 4 * f), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
        )  # fmt: skip
        self.recurrent_kernel.data = xp.ascontiguousarray(self.recurrent_kernel.data)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                base = self.bias_initializer

                def init(shape: tuple, dtype: Any = "float32") -> Any:
                    parts = [base((f,), dtype), xp.ones((f,), dtype=dtype), base((2 * f,), dtype)]
                    return xp.concatenate([xp.asarray(p, dtype=dtype) for p in parts])

            self.bias = self.add_weight(
                "bias", (4 * f,), init, regularizer=self.bias_regularizer, constraint=self.bias_constraint
            )
        self.built = True

    def input_conv(self, x: Any) -> Any:
        return ops.conv2d(x, self.kernel, self.bias, strides=self.strides, padding=self.padding,
                          dilation_rate=self.dilation_rate, data_format=self.data_format)  # fmt: skip

    def step(self, x_conv: Any, states: Any, training: bool = False) -> Any:
        """One step given the input convolution of this step (bias included)."""
        h, c = states
        h_in = self._dropped_recurrent(h, training)
        z = x_conv + ops.conv2d(h_in, self.recurrent_kernel, None, padding="same", data_format=self.data_format)
        f = self.filters
        gate = (lambda k: z[..., k * f : (k + 1) * f]) if self.data_format == "channels_last" else (
            lambda k: z[:, k * f : (k + 1) * f])  # fmt: skip
        i = self.recurrent_activation(gate(0))
        fg = self.recurrent_activation(gate(1))
        g = self.activation(gate(2))
        o = self.recurrent_activation(gate(3))
        c = fg * c + i * g
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs: Any, states: Any, training: bool = False) -> Any:
        return self.step(self.input_conv(self._dropped_input(inputs, training)), states, training)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("units", None)
        return {
            "filters": self.filters,
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            **config,
            "recurrent_activation": activations.serialize(self.recurrent_activation),
            "unit_forget_bias": self.unit_forget_bias,
        }
