"""DepthwiseConv2D: one spatial filter bank per input channel, no mixing across channels."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.convolutional._base import ConvLayer, check_output_size, check_positive_int, describe
from engine.ops.conv import conv_output_length


class DepthwiseConv2D(ConvLayer):
    """Depthwise 2D convolution; depthwise_kernel (kh, kw, in, depth_multiplier), bias (in * depth_multiplier).

    Output channel ``c * depth_multiplier + m`` comes from input channel ``c``.
    The weight is named 'depthwise_kernel' as in Keras 2 (Keras 3 calls it 'kernel').
    """

    config_keys = ("kernel_size", "strides", "padding", "depth_multiplier", "data_format", "dilation_rate")
    kernel_kinds = ("depthwise",)

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        _pop_keras2_keys(kwargs)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier", describe(self))
        self._set_geometry(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        self._set_weight_options(
            depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape: tuple) -> None:
        axis, channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._add_kernel("depthwise", self.kernel_size + (channels, self.depth_multiplier))
        self._add_bias(channels * self.depth_multiplier)
        self._finish_build(input_shape, axis, channels)

    def call(self, inputs: Any) -> Any:
        outputs = ops.depthwise_conv2d(
            inputs, self.depthwise_kernel, self.bias, self.strides, self.padding, self.dilation_rate,
            data_format=self.data_format,
        )  # fmt: skip
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return depthwise_output_shape(self, input_shape, None)


def depthwise_output_shape(layer: Any, input_shape: tuple, filters: int | None) -> tuple:
    """Output shape of a depthwise (filters=None) or separable convolution."""
    last = layer.data_format == "channels_last"
    spatial = input_shape[1:3] if last else input_shape[2:]
    channels = input_shape[-1] if last else input_shape[1]
    if filters is None:
        filters = None if channels is None else channels * layer.depth_multiplier
    out = tuple(
        conv_output_length(n, k, s, layer.padding, d)
        for n, k, s, d in zip(spatial, layer.kernel_size, layer.strides, layer.dilation_rate)
    )
    shape = (input_shape[0], *out, filters) if last else (input_shape[0], filters, *out)
    return check_output_size(layer, input_shape, shape)


def _pop_keras2_keys(kwargs: dict[str, Any]) -> None:
    """Keras 2 depthwise/separable configs inherit Conv2D keys that mean nothing here (groups is always 1)."""
    groups = kwargs.pop("groups", 1)
    if groups != 1:
        raise ConfigError(f"Depthwise and separable convolutions take no groups argument, got groups={groups!r}.")
