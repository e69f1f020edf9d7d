"""LayerNormalization: normalizes each sample over its feature axes."""

from __future__ import annotations

from typing import Any

from engine import constraints, initializers, ops, regularizers
from engine.errors import ConfigError
from engine.layers.layer import Layer
from engine.layers.normalization._common import maybe_serialize, resolve_axes, standardize_axes


class LayerNormalization(Layer):
    """Keras's LayerNormalization: ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` per sample.

    Statistics and the gamma/beta weights (in that order) both run along ``axis``.
    """

    def __init__(
        self,
        axis: int | list[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        rms_scaling: bool = False,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis = standardize_axes(self.name, "LayerNormalization", axis)
        if rms_scaling:
            raise ConfigError(f"LayerNormalization layer '{self.name}': rms_scaling=True is not supported.")
        if float(epsilon) <= 0:
            raise ConfigError(f"LayerNormalization layer '{self.name}': epsilon must be positive, got {epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.rms_scaling = False
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self._axes: tuple[int, ...] = ()

    def build(self, input_shape: tuple) -> None:
        self._axes = resolve_axes(self.name, "LayerNormalization", self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ConfigError(
                f"LayerNormalization layer '{self.name}' needs known sizes along axis {self.axis}, "
                f"received input shape {tuple(input_shape)}."
            )
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight(
                "gamma", shape, self.gamma_initializer,
                regularizer=self.gamma_regularizer, constraint=self.gamma_constraint,
            )  # fmt: skip
        if self.center:
            self.beta = self.add_weight(
                "beta", shape, self.beta_initializer,
                regularizer=self.beta_regularizer, constraint=self.beta_constraint,
            )  # fmt: skip
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.layer_norm(inputs, self.gamma, self.beta, self._axes, self.epsilon)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": maybe_serialize(regularizers.serialize, self.beta_regularizer),
            "gamma_regularizer": maybe_serialize(regularizers.serialize, self.gamma_regularizer),
            "beta_constraint": maybe_serialize(constraints.serialize, self.beta_constraint),
            "gamma_constraint": maybe_serialize(constraints.serialize, self.gamma_constraint),
        }
