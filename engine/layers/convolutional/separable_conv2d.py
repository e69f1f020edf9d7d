"""SeparableConv2D: a depthwise convolution followed by a 1x1 (pointwise) convolution."""

from __future__ import annotations

from typing import Any

from engine import activations, ops
from engine.layers.convolutional._base import ConvLayer, check_positive_int, describe
from engine.layers.convolutional.depthwise_conv2d import _pop_keras2_keys, depthwise_output_shape


class SeparableConv2D(ConvLayer):
    """Depthwise then pointwise convolution, Keras weights in order: depthwise_kernel (kh, kw, in, mult),
    pointwise_kernel (1, 1, in*mult, filters), bias (filters)."""

    config_keys = ("filters", "kernel_size", "strides", "padding", "data_format", "depth_multiplier", "dilation_rate")
    kernel_kinds = ("depthwise", "pointwise")

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        depth_multiplier: int = 1,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        _pop_keras2_keys(kwargs)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        self.filters = check_positive_int(filters, "filters", who)
        self.depth_multiplier = check_positive_int(depth_multiplier, "depth_multiplier", who)
        self._set_geometry(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        self._set_weight_options(
            depthwise=(depthwise_initializer, depthwise_regularizer, depthwise_constraint),
            pointwise=(pointwise_initializer, pointwise_regularizer, pointwise_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape: tuple) -> None:
        axis, channels = self._input_channels(input_shape)
        self.depthwise_kernel = self._add_kernel("depthwise", self.kernel_size + (channels, self.depth_multiplier))
        self.pointwise_kernel = self._add_kernel("pointwise", (1, 1, channels * self.depth_multiplier, self.filters))
        self._add_bias(self.filters)
        self._finish_build(input_shape, axis, channels)

    def call(self, inputs: Any) -> Any:
        depthwise = ops.depthwise_conv2d(
            inputs, self.depthwise_kernel, None, self.strides, self.padding, self.dilation_rate,
            data_format=self.data_format,
        )  # fmt: skip
        fuse_relu = self.activation is activations.relu
        outputs = ops.conv2d(depthwise, self.pointwise_kernel, self.bias, data_format=self.data_format, relu=fuse_relu)
        return outputs if fuse_relu else self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return depthwise_output_shape(self, input_shape, self.filters)
