"""DepthwiseConv2D: one spatial filter bank per input channel, no mixing across channels."""

from __future__ import annotations

from typing import Any

from engine import activations, backend, constraints, initializers, ops, regularizers
from engine.errors import ConfigError
from engine.layers.convolutional._base import (
    _IGNORED_KWARGS,
    channel_axis,
    check_output_size,
    describe,
    maybe_serialize,
    normalize_padding,
    normalize_tuple,
)
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.ops.conv import conv_output_length


class DepthwiseConv2D(Layer):
    """Depthwise 2D convolution; depthwise_kernel (kh, kw, in, depth_multiplier), bias (in * depth_multiplier).

    Output channel ``c * depth_multiplier + m`` comes from input channel ``c``.
    The weight is named 'depthwise_kernel' as in Keras 2 (Keras 3 calls it 'kernel').
    """

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
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        _pop_keras2_keys(kwargs)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        if not isinstance(depth_multiplier, int) or isinstance(depth_multiplier, bool) or depth_multiplier <= 0:
            raise ConfigError(f"{who}: depth_multiplier must be a positive integer, got {depth_multiplier!r}.")
        self.depth_multiplier = depth_multiplier
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", who)
        self.strides = normalize_tuple(strides, 2, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = backend.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: tuple) -> None:
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ConfigError(f"{describe(self)} needs a known channel dimension, got input shape {input_shape}.")
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier), self.depthwise_initializer,
            regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint,
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (channels * self.depth_multiplier,), self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip
        self.input_spec = InputSpec(ndim=4, axes={axis: channels})
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        outputs = ops.depthwise_conv2d(
            inputs, self.depthwise_kernel, self.bias, self.strides, self.padding, self.dilation_rate,
            data_format=self.data_format,
        )  # fmt: skip
        return self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return depthwise_output_shape(self, input_shape, None)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "depth_multiplier": self.depth_multiplier,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": maybe_serialize(regularizers.serialize, self.depthwise_regularizer),
            "bias_regularizer": maybe_serialize(regularizers.serialize, self.bias_regularizer),
            "activity_regularizer": maybe_serialize(regularizers.serialize, self.activity_regularizer),
            "depthwise_constraint": maybe_serialize(constraints.serialize, self.depthwise_constraint),
            "bias_constraint": maybe_serialize(constraints.serialize, self.bias_constraint),
        }


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
