"""What the normalization layers share: axis handling, and the optional gamma (scale) and beta (center)
weights with their Keras options, so each layer keeps only its own statistics and extra weights."""

from __future__ import annotations

from typing import Any

from engine import constraints, initializers, regularizers
from engine.errors import ConfigError
from engine.layers.config_utils import serialize_optional
from engine.layers.layer import Layer


def standardize_axes(layer_name: str, kind: str, axis: Any) -> int | list[int]:
    """Validate ``axis`` (an int, or a list of ints as Keras 2 configs store it)."""
    if isinstance(axis, (list, tuple)):
        if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
            raise ConfigError(f"{kind} layer '{layer_name}': axis must be an int or a list of ints, got {axis!r}.")
        return list(axis)
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise ConfigError(f"{kind} layer '{layer_name}': axis must be an int or a list of ints, got {axis!r}.")
    return axis


def resolve_axes(layer_name: str, kind: str, axis: int | list[int], ndim: int) -> tuple[int, ...]:
    """Axes as sorted non-negative ints for a rank-``ndim`` input, with a clear error when out of range."""
    axes = [axis] if isinstance(axis, int) else list(axis)
    resolved = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ConfigError(f"{kind} layer '{layer_name}': axis {a} is out of range for an input of rank {ndim}.")
        resolved.append(a % ndim)
    if len(set(resolved)) != len(resolved):
        raise ConfigError(f"{kind} layer '{layer_name}': duplicate axes in {axis!r}.")
    return tuple(sorted(resolved))


class GammaBetaNormalization(Layer):
    """Base of the layers that normalize along ``axis``, then scale by ``gamma`` (if ``scale``) and shift by
    ``beta`` (if ``center``). Subclasses validate their own arguments in their ``__init__`` and call the
    ``_gamma_beta_*`` helpers at the points where Keras's argument, weight and config orders put them.
    """

    _kind = ""  # the class name the error messages give

    def _set_gamma_beta_options(
        self,
        epsilon: float,
        center: bool,
        scale: bool,
        beta_initializer: Any,
        gamma_initializer: Any,
        beta_regularizer: Any,
        gamma_regularizer: Any,
        beta_constraint: Any,
        gamma_constraint: Any,
        **extra_initializers: Any,
    ) -> None:
        """Check ``epsilon`` and store the options. ``extra_initializers`` (attribute name to option) are the
        initializers of the subclass's own weights, read after gamma's as in Keras's argument order."""
        if float(epsilon) <= 0:
            raise ConfigError(f"{self._kind} layer '{self.name}': epsilon must be positive, got {epsilon!r}.")
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        for key, value in extra_initializers.items():
            setattr(self, key, initializers.get(value))
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self._axes: tuple[int, ...] = ()

    def _build_gamma_beta(self, input_shape: tuple) -> tuple[int, ...]:
        """Resolve ``axis`` for this input and add gamma, then beta (Keras's weight order), each if enabled.

        Returns the weights' shape (the sizes along the normalized axes) for the subclass's own weights.
        """
        self._axes = resolve_axes(self.name, self._kind, self.axis, len(input_shape))
        shape = tuple(input_shape[a] for a in self._axes)
        if any(d is None for d in shape):
            raise ConfigError(
                f"{self._kind} layer '{self.name}' needs known sizes along axis {self.axis}, "
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
        return shape

    def _gamma_beta_config(self, *extra_initializers: str) -> dict[str, Any]:
        """The initializer, regularizer and constraint entries in Keras's config order, the subclass's
        ``extra_initializers`` (attribute names) after gamma's."""
        names = ("beta_initializer", "gamma_initializer", *extra_initializers)
        return {
            **{name: initializers.serialize(getattr(self, name)) for name in names},
            "beta_regularizer": serialize_optional(regularizers.serialize, self.beta_regularizer),
            "gamma_regularizer": serialize_optional(regularizers.serialize, self.gamma_regularizer),
            "beta_constraint": serialize_optional(constraints.serialize, self.beta_constraint),
            "gamma_constraint": serialize_optional(constraints.serialize, self.gamma_constraint),
        }

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)
