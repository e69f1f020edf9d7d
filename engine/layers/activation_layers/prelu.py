"""PReLU: a leaky ReLU whose negative slope is learned per feature."""

from __future__ import annotations

from typing import Any

from engine import constraints, initializers, ops, regularizers
from engine.errors import ConfigError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer


class PReLU(Layer):
    """``relu(x) - alpha * relu(-x)`` with a trainable ``alpha``.

    ``alpha`` has the shape of one sample (``input_shape[1:]``), with size 1 along
    each of ``shared_axes`` (1-based, e.g. ``[1, 2]`` shares one slope per channel
    across an image's height and width).
    """

    def __init__(
        self,
        alpha_initializer: Any = "zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ConfigError(
                    f"PReLU layer '{self.name}': shared_axes must be None or a list of axes >= 1, got {shared_axes!r}."
                )
            self.shared_axes = axes
        self.supports_masking = True

    def build(self, input_shape: tuple) -> None:
        shared = self.shared_axes or []
        if any(a >= len(input_shape) for a in shared):
            raise ConfigError(
                f"PReLU layer '{self.name}': shared_axes {self.shared_axes} out of range for input shape "
                f"{tuple(input_shape)}."
            )
        shape = [1 if axis in shared else input_shape[axis] for axis in range(1, len(input_shape))]
        if any(d is None for d in shape):
            raise ConfigError(
                f"PReLU layer '{self.name}' needs known sizes on the non-shared axes, received input shape "
                f"{tuple(input_shape)}."
            )
        self.alpha = self.add_weight(
            "alpha", tuple(shape), self.alpha_initializer,
            regularizer=self.alpha_regularizer, constraint=self.alpha_constraint,
        )  # fmt: skip
        axes = {axis: input_shape[axis] for axis in range(1, len(input_shape)) if axis not in shared}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs: Any) -> Any:
        return ops.subtract(ops.relu(inputs), ops.multiply(self.alpha, ops.relu(ops.negative(inputs))))

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": None
            if self.alpha_regularizer is None
            else regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": None if self.alpha_constraint is None else constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
