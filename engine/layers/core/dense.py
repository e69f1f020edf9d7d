"""Dense: ``activation(inputs @ kernel + bias)`` over the last axis."""

from __future__ import annotations

from typing import Any

from engine import activations, constraints, initializers, ops, regularizers
from engine.errors import ConfigError
from engine.layers.config_utils import serialize_optional
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class Dense(Layer):
    """A fully connected layer; the kernel has shape (input_dim, units) as in Keras."""

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("quantization_config", None)
        kwargs.pop("lora_rank", None)
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ConfigError(f"Dense layer '{self.name}': units must be a positive integer, got {units!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        input_dim = input_shape[-1]
        if input_dim is None:
            raise ConfigError(f"Dense layer '{self.name}' needs a known last input dimension, got {input_shape}.")
        self.kernel = self.add_weight(
            "kernel", (input_dim, self.units), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )  # fmt: skip
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", (self.units,), self.bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})
        self.built = True

    def call(self, inputs: Any) -> Any:
        fuse_relu = self.activation is activations.relu
        outputs = ops.dense(inputs, self.kernel, self.bias, relu=fuse_relu)
        return outputs if fuse_relu else self.activation(outputs)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_optional(regularizers.serialize, self.kernel_regularizer),
            "bias_regularizer": serialize_optional(regularizers.serialize, self.bias_regularizer),
            "kernel_constraint": serialize_optional(constraints.serialize, self.kernel_constraint),
            "bias_constraint": serialize_optional(constraints.serialize, self.bias_constraint),
        }
