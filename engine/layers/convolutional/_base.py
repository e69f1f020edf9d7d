"""What every convolution layer shares: argument checks and config helpers.

The concrete layers (Conv1D, Conv2D, ...) are small classes on top of
``BaseConv``; its arguments, defaults, weight layout and config keys are
Keras's.
"""

from __future__ import annotations

from typing import Any

from engine import activations, backend, constraints, initializers, ops, regularizers
from engine.errors import ConfigError, ShapeError
from engine.layers.config_utils import serialize_optional
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


def check_positive_int(value: Any, what: str, who: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"{who}: {what} must be a positive integer, got {value!r}.")
    return value


class ConvLayer(Layer):
    """What Conv*, DepthwiseConv2D and SeparableConv2D share, so each class keeps only its own weights and op.

    A subclass names its hyperparameters in ``config_keys`` (in Keras's config order) and its kernels in
    ``kernel_kinds`` (``kernel``, or ``depthwise``/``pointwise``); each kind ``k`` (and ``bias``) carries
    ``k_initializer``/``k_regularizer``/``k_constraint`` and the config lists them as Keras does.
    """

    rank = 2
    paddings: tuple[str, ...] = ("valid", "same")
    config_keys: tuple[str, ...] = ()
    kernel_kinds: tuple[str, ...] = ()

    def __init__(self, activity_regularizer: Any = None, **kwargs: Any) -> None:
        for key in _IGNORED_KWARGS:
            kwargs.pop(key, None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)

    def _set_geometry(
        self, kernel_size: Any, strides: Any, padding: str, data_format: str | None, dilation_rate: Any,
        activation: Any, use_bias: bool,
    ) -> None:  # fmt: skip
        """Validate and store the arguments every convolution takes, in Keras's checking order."""
        who = describe(self)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", who)
        self.strides = normalize_tuple(strides, self.rank, "strides", who)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", who)
        self.padding = normalize_padding(padding, self.paddings, who)
        self.data_format = backend.standardize_data_format(data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _set_weight_options(self, **options: tuple[Any, Any, Any]) -> None:
        """``kind=(initializer, regularizer, constraint)``: resolve all initializers, then regularizers, then
        constraints (so a bad argument is reported as before) and store them as ``<kind>_initializer`` etc."""
        getters = {"initializer": initializers.get, "regularizer": regularizers.get, "constraint": constraints.get}
        for index, (suffix, get) in enumerate(getters.items()):
            for kind, values in options.items():
                setattr(self, f"{kind}_{suffix}", get(values[index]))

    def _input_channels(self, input_shape: tuple) -> tuple[int, int]:
        """(channel axis, number of input channels); the channel count must be known to size the kernels."""
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise ConfigError(f"{describe(self)} needs a known channel dimension, got input shape {input_shape}.")
        return axis, channels

    def _add_kernel(self, kind: str, shape: tuple) -> Any:
        """The weight of ``kind`` with its own initializer, regularizer and constraint (Keras's weight names)."""
        return self.add_weight(
            "kernel" if kind == "kernel" else f"{kind}_kernel", shape, getattr(self, f"{kind}_initializer"),
            regularizer=getattr(self, f"{kind}_regularizer"), constraint=getattr(self, f"{kind}_constraint"),
        )  # fmt: skip

    def _add_bias(self, size: int) -> None:
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (size,), self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip

    def _finish_build(self, input_shape: tuple, axis: int, channels: int, check_shape: bool = True) -> None:
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={axis: channels})
        if check_shape:
            self.compute_output_shape(input_shape)
        self.built = True

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), **{key: getattr(self, key) for key in self.config_keys}}
        config["activation"] = activations.serialize(self.activation)
        config["use_bias"] = self.use_bias
        kinds = (*self.kernel_kinds, "bias")
        for kind in kinds:
            config[f"{kind}_initializer"] = initializers.serialize(getattr(self, f"{kind}_initializer"))
        for kind in (*kinds, "activity"):
            config[f"{kind}_regularizer"] = serialize_optional(
                regularizers.serialize, getattr(self, f"{kind}_regularizer")
            )
        for kind in kinds:
            constraint = getattr(self, f"{kind}_constraint")
            config[f"{kind}_constraint"] = serialize_optional(constraints.serialize, constraint)
        return config


class BaseConv(ConvLayer):
    """A ``rank``-D convolution with a (*kernel_size, in/groups, filters) kernel."""

    config_keys = ("filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups")
    kernel_kinds = ("kernel",)

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
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        who = describe(self)
        self.filters = check_positive_int(filters, "filters", who)
        if not isinstance(groups, int) or isinstance(groups, bool) or groups <= 0 or filters % groups:
            raise ConfigError(f"{who}: groups must be a positive integer dividing filters={filters}, got {groups!r}.")
        self.groups = groups
        self._set_geometry(kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias)
        self._set_weight_options(
            kernel=(kernel_initializer, kernel_regularizer, kernel_constraint),
            bias=(bias_initializer, bias_regularizer, bias_constraint),
        )

    def build(self, input_shape: tuple) -> None:
        axis, channels = self._input_channels(input_shape)
        if channels % self.groups:
            raise ConfigError(
                f"{describe(self)}: the number of input channels ({channels}) must be divisible by "
                f"groups={self.groups}."
            )
        self.kernel = self._add_kernel("kernel", self.kernel_size + (channels // self.groups, self.filters))
        self._add_bias(self.filters)
        self._finish_build(input_shape, axis, channels)

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
