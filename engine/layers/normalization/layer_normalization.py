"""LayerNormalization: normalizes each sample over its feature axes."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.errors import ConfigError
from engine.layers.normalization._common import GammaBetaNormalization, standardize_axes


class LayerNormalization(GammaBetaNormalization):
    """Keras's LayerNormalization: ``gamma * (x - mean) / sqrt(var + epsilon) + beta`` per sample.

    Statistics and the gamma/beta weights (in that order) both run along ``axis``.
    """

    _kind = "LayerNormalization"

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
        self.axis = standardize_axes(self.name, self._kind, axis)
        if rms_scaling:
            raise ConfigError(f"LayerNormalization layer '{self.name}': rms_scaling=True is not supported.")
        self._set_gamma_beta_options(
            epsilon, center, scale,
            beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
        )  # fmt: skip
        self.rms_scaling = False

    def build(self, input_shape: tuple) -> None:
        self._build_gamma_beta(input_shape)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.layer_norm(inputs, self.gamma, self.beta, self._axes, self.epsilon)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            **self._gamma_beta_config(),
        }
