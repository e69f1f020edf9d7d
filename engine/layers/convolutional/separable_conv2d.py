"""SeparableConv2D: a depthwise convolution followed by a 1x1 (pointwise) convolution."""

from __future__ import annotations

from typing import Any

from engine import activations, backend, constraints, initializers, ops, regularizers
from engine.errors import ConfigError
from engine.layers.convolutional._base import (
    _IGNORED_KWARGS,
    channel_axis,
    describe,
    maybe_serialize,
    normalize_padding,
    normalize_tuple,
)
from engine.layers.convolutional.depthwise_conv2d import _pop_keras2_keys, depthwise_output_shape
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class SeparableConv2D(Layer):
    """Depthwise then pointwise convolution, Keras weights in order: depthwise_kernel (kh, kw, in, mult),
    pointwise_kernel (1, 1, in*mult, filters), bias (filters)."""

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
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        _pop_keras2_keys(kwargs)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ConfigError(f"{who}: filters must be a positive integer, got {filters!r}.")
        if not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool) or depth_multiplier <= 0:
            raise ConfigError(f"{who}: depth_multiplier must be a positive integer, got {depth_multiplier!r}.")
        self.filters = filters
        self.depth_multiplier = depth_multiplier
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", who)
        self.strides = normalize_tuple(strides, 2, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = backend.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: tuple) -> None:
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ConfigError(f"{describe(self)} needs a known channel dimension, got input shape {input_shape}.")
        depth = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint,
        )  # fmt: skip
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, 1, depth, self.filters), self.pointwise_initializer,
            regularizer=self.pointwise_regularizer, constraint=self.pointwise_constraint,
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.filters,), self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip
        self.input_spec = InputSpec(ndim=4, axes={axis: channels})
        self.compute_output_shape(input_shape)
        self.built = True

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

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "depth_multiplier": self.depth_multiplier,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": maybe_serialize(regularizers.serialize, self.depthwise_regularizer),
            "pointwise_regularizer": maybe_serialize(regularizers.serialize, self.pointwise_regularizer),
            "bias_regularizer": maybe_serialize(regularizers.serialize, self.bias_regularizer),
            "activity_regularizer": maybe_serialize(regularizers.serialize, self.activity_regularizer),
            "depthwise_constraint": maybe_serialize(constraints.serialize, self.depthwise_constraint),
            "pointwise_constraint": maybe_serialize(constraints.serialize, self.pointwise_constraint),
            "bias_constraint": maybe_serialize(constraints.serialize, self.bias_constraint),
        }
