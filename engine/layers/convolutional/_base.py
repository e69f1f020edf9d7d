"""What every convolution layer shares: argument checks and config helpers.

The concrete layers (Conv1D, Conv2D, ...) are small classes on top of
``BaseConv``; its arguments, defaults, weight layout and config keys are
Keras's.
"""

from __future__ import annotations

from typing import Any

from engine import activations, backend, constraints, initializers, ops, regularizers
from engine.errors import ConfigError, ShapeError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.ops.conv import conv_output_length

# Keys Keras writes into some configs that carry no meaning here.
_IGNORED_KWARGS = ("quantization_config", "lora_rank", "lora_alpha")


def normalize_tuple(value: Any, rank: int, what: str, layer: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``value`` (an int or a sequence of ``rank`` ints) as a tuple; raise naming the layer otherwise."""
    items = (value,) * rank if isinstance(value, int) and not isinstance(value, bool) else value
    try:
        items = tuple(items)
    except TypeError:
        items = None
    lowest = 0 if allow_zero else 1
    if (
        items is None
        or len(items) != rank
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= lowest for v in items)
    ):
        kind = "non-negative" if allow_zero else "positive"
        raise ConfigError(f"{layer}: {what} must be a {kind} integer or a tuple of {rank} such, got {value!r}.")
    return items


def normalize_padding(value: Any, allowed: tuple[str, ...], layer: str) -> str:
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ConfigError(f"{layer}: padding must be one of {', '.join(map(repr, allowed))}, got {value!r}.")
    return padding


def maybe_serialize(serialize: Any, value: Any) -> Any:
    return None if value is None else serialize(value)


def describe(layer: Layer) -> str:
    return f"{type(layer).__name__} layer '{layer.name}'"


def check_output_size(layer: Layer, input_shape: tuple, output_shape: tuple) -> tuple:
    """``output_shape`` unless a spatial size came out empty: then a ShapeError naming the layer (as Keras)."""
    if any(d is not None and d <= 0 for d in output_shape[1:]):
        raise ShapeError(
            f"{describe(layer)}: input shape {tuple(input_shape)} is too small for kernel_size="
            f"{getattr(layer, 'kernel_size', None)} with padding='{layer.padding}' (the output would be "
            f"{tuple(output_shape)})."
        )
    return output_shape


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


class BaseConv(Layer):
    """A ``rank``-D convolution with a (*kernel_size, in/groups, filters) kernel."""

    rank = 2
    paddings: tuple[str, ...] = ("valid", "same")

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        if not isinstance(filters, int) or isinstance(filters, bool) or filters <= 0:
            raise ConfigError(f"{who}: filters must be a positive integer, got {filters!r}.")
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0 or filters % groups:
            raise ConfigError(f"{who}: groups must be a positive integer dividing filters={filters}, got {groups!r}.")
        self.filters = filters
        self.groups = groups
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        self.padding = normalize_padding(padding, self.paddings, who)
        self.data_format = backend.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: tuple) -> None:
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ConfigError(f"{describe(self)} needs a known channel dimension, got input shape {input_shape}.")
        if channels % self.groups:
            raise ConfigError(
                f"{describe(self)}: the number of input channels ({channels}) must be divisible by "
                f"groups={self.groups}."
            )
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (channels // self.groups, self.filters), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.filters,), self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        self.compute_output_shape(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        fuse_relu = self.activation is activations.relu
        conv = ops.conv1d if self.rank == 1 else ops.conv2d
        outputs = conv(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate,
            data_format=self.data_format, groups=self.groups, relu=fuse_relu,
        )  # fmt: skip
        return outputs if fuse_relu else self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(
            conv_output_length(n, k, s, self.padding, d)
            for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)
        )
        if self.data_format == "channels_last":
            return check_output_size(self, input_shape, (input_shape[0], *out, self.filters))
        return check_output_size(self, input_shape, (input_shape[0], self.filters, *out))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": maybe_serialize(regularizers.serialize, self.kernel_regularizer),
            "bias_regularizer": maybe_serialize(regularizers.serialize, self.bias_regularizer),
            "activity_regularizer": maybe_serialize(regularizers.serialize, self.activity_regularizer),
            "kernel_constraint": maybe_serialize(constraints.serialize, self.kernel_constraint),
            "bias_constraint": maybe_serialize(constraints.serialize, self.bias_constraint),
        }
