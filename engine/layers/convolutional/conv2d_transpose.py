"""Conv2DTranspose: the gradient of a convolution used as a layer (learned upsampling)."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.convolutional._base import BaseConv, describe, normalize_tuple
from engine.ops.conv import deconv_output_length


class Conv2DTranspose(BaseConv):
    """Transposed 2D convolution; kernel (kh, kw, filters, in) as in Keras.

    ``output_padding`` (each entry smaller than its stride) picks among the
    output sizes that map back onto the input shape.
    """

    rank = 2

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 output_padding: Any = None, data_format: str | None = None, dilation_rate: Any = 1,
                 **kwargs: Any) -> None:  # fmt: skip
        if kwargs.get("groups", 1) != 1:
            raise ConfigError(f"Conv2DTranspose supports groups=1 only, got groups={kwargs['groups']!r}.")
        kwargs.pop("groups", None)
        super().__init__(filters, kernel_size, strides, padding, data_format, dilation_rate, **kwargs)
        self.output_padding = None
        if output_padding is not None:
            who = describe(self)
            self.output_padding = normalize_tuple(output_padding, 2, "output_padding", who, allow_zero=True)
            for pad, stride in zip(self.output_padding, self.strides):
                if pad >= stride:
                    raise ConfigError(
                        f"{who}: output_padding must be smaller than strides, got output_padding="
                        f"{self.output_padding} with strides={self.strides}."
                    )

    def build(self, input_shape: tuple) -> None:
        axis, channels = self._input_channels(input_shape)
        self.kernel = self._add_kernel("kernel", self.kernel_size + (self.filters, channels))
        self._add_bias(self.filters)
        self._finish_build(input_shape, axis, channels, check_shape=False)

    def call(self, inputs: Any) -> Any:
        outputs = ops.conv2d_transpose(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.output_padding,
            self.dilation_rate, data_format=self.data_format,
        )  # fmt: skip
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        spatial = input_shape[1:3] if self.data_format == "channels_last" else input_shape[2:]
        pads = self.output_padding or (None, None)
        out = tuple(
            deconv_output_length(n, k, s, self.padding, p, d)
            for n, k, s, p, d in zip(spatial, self.kernel_size, self.strides, pads, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            return (input_shape[0], *out, self.filters)
        return (input_shape[0], self.filters, *out)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.pop("groups")
        config["output_padding"] = self.output_padding
        return config
