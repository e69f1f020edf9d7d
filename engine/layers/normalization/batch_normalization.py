"""BatchNormalization: normalizes each feature with batch statistics while training, moving ones after."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.autograd import no_grad
from engine.errors import ConfigError
from engine.layers.input_spec import InputSpec
from engine.layers.normalization._common import GammaBetaNormalization, standardize_axes


class BatchNormalization(GammaBetaNormalization):
    """Keras's BatchNormalization.

    Training mode (``training=True`` and the layer trainable) normalizes with the
    batch mean and biased batch variance and updates the moving statistics as
    ``moving = moving * momentum + batch * (1 - momentum)``; the update uses the
    biased variance, as Keras 3 does (``ops.moments``) and as tf.keras does on its
    non-fused path (tf.keras's fused kernel, used for some 4D inputs, applies Bessel's
    correction n/(n-1) instead). Otherwise, including when
    ``trainable`` is False (Keras 2.x/3 semantics), it uses the moving statistics.
    Weights, in Keras's order: gamma, beta (trainable), moving_mean, moving_variance.
    """

    _kind = "BatchNormalization"

    def __init__(
        self,
        axis: int | list[int] = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        synchronized: bool = False,
        **kwargs: Any,
    ) -> None:
        renorm = kwargs.pop("renorm", False)
        for legacy in ("renorm_clipping", "renorm_momentum", "fused", "virtual_batch_size", "adjustment"):
            kwargs.pop(legacy, None)
        super().__init__(**kwargs)
        if renorm:
            raise ConfigError(f"BatchNormalization layer '{self.name}': renorm=True is not supported.")
        self.axis = standardize_axes(self.name, self._kind, axis)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ConfigError(f"BatchNormalization layer '{self.name}': momentum must be in [0, 1], got {momentum!r}.")
        self.momentum = float(momentum)
        self._set_gamma_beta_options(
            epsilon, center, scale,
            beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint,
            moving_mean_initializer=moving_mean_initializer, moving_variance_initializer=moving_variance_initializer,
        )  # fmt: skip
        self.synchronized = bool(synchronized)

    def build(self, input_shape: tuple) -> None:
        shape = self._build_gamma_beta(input_shape)
        self.moving_mean = self.add_weight("moving_mean", shape, self.moving_mean_initializer, trainable=False)
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=len(input_shape), axes={a: input_shape[a] for a in self._axes})
        self.built = True

    def call(self, inputs: Any, training: bool = False) -> Any:
        if training and self.trainable:
            outputs, mean, variance = ops.batch_norm_training(inputs, self.gamma, self.beta, self._axes, self.epsilon)
            self._update_moving(mean, variance)
            return outputs
        return ops.batch_norm_inference(
            inputs, self.moving_mean, self.moving_variance, self.gamma, self.beta, self._axes, self.epsilon
        )

    def _update_moving(self, mean: Any, variance: Any) -> None:
        with no_grad():
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
                data = moving.data
                data *= self.momentum
                data += batch.astype(data.dtype, copy=False) * (1.0 - self.momentum)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            **self._gamma_beta_config("moving_mean_initializer", "moving_variance_initializer"),
            "synchronized": self.synchronized,
        }
