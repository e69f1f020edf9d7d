"""What the SimpleRNN, LSTM and GRU cells share: Keras's arguments, weights and dropout rates."""

from __future__ import annotations

from typing import Any

from engine import activations, constraints, initializers, regularizers
from engine.backend import xp
from engine.errors import ConfigError
from engine.layers.config_utils import serialize_optional
from engine.layers.layer import Layer


class RecurrentCell(Layer):
    """A cell: ``call(inputs, states) -> (output, new_states)`` for one time step (tape ops).

    ``gates`` is how many blocks of ``units`` columns the kernels have (1, 3 or 4).
    """

    gates = 1

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("implementation", None)  # Keras 2's kernel-layout switch; the maths is the same
        super().__init__(**kwargs)
        kind = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ConfigError(f"{kind} '{self.name}': units must be a positive integer, got {units!r}.")
        for label, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not isinstance(rate, (int, float)) or not 0.0 <= rate <= 1.0:
                raise ConfigError(f"{kind} '{self.name}': {label} must be a float in [0, 1], got {rate!r}.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = float(min(1.0, max(0.0, dropout)))
        self.recurrent_dropout = float(min(1.0, max(0.0, recurrent_dropout)))
        self.seed = seed
        self._dropout_mask = None
        self._recurrent_dropout_mask = None

    @property
    def state_size(self) -> Any:
        return self.units

    @property
    def output_size(self) -> int:
        return self.units

    def _build_kernels(self, input_dim: int, bias_shape: tuple[int, ...] | None, bias_initializer: Any) -> None:
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel", (input_dim, width), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint,
        )  # fmt: skip
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (self.units, width), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint,
        )  # fmt: skip
        # The orthogonal initializer may hand back a transposed (non-contiguous) array: make it a plain one.
        self.recurrent_kernel.data = xp.ascontiguousarray(self.recurrent_kernel.data)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(
                "bias", bias_shape, bias_initializer,
                regularizer=self.bias_regularizer, constraint=self.bias_constraint,
            )  # fmt: skip
        self.built = True

    def _dropped_input(self, x: Any, training: bool) -> Any:
        """x_t times the per-sequence input dropout mask (cells stepped one by one, e.g. stacked)."""
        if not training or not 0.0 < self.dropout < 1.0:
            return x
        if self._dropout_mask is None:
            from engine.layers.recurrent.rnn import _dropout_scale  # noqa: PLC0415

            self._dropout_mask = _dropout_scale(tuple(x.shape), self.dropout, x.dtype)
        return x * self._dropout_mask

    def _dropped_recurrent(self, h: Any, training: bool) -> Any:
        """h_{t-1} times the per-sequence recurrent dropout mask (generic path only)."""
        if not training or not 0.0 < self.recurrent_dropout < 1.0:
            return h
        if self._recurrent_dropout_mask is None:
            from engine.layers.recurrent.rnn import _dropout_scale  # noqa: PLC0415

            self._recurrent_dropout_mask = _dropout_scale(tuple(h.shape), self.recurrent_dropout, h.dtype)
        return h * self._recurrent_dropout_mask

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": serialize_optional(regularizers.serialize, self.kernel_regularizer),
            "recurrent_regularizer": serialize_optional(regularizers.serialize, self.recurrent_regularizer),
            "bias_regularizer": serialize_optional(regularizers.serialize, self.bias_regularizer),
            "kernel_constraint": serialize_optional(constraints.serialize, self.kernel_constraint),
            "recurrent_constraint": serialize_optional(constraints.serialize, self.recurrent_constraint),
            "bias_constraint": serialize_optional(constraints.serialize, self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "seed": self.seed,
        }


CELL_KEYS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer", "bias_initializer",
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "kernel_constraint",
    "recurrent_constraint", "bias_constraint", "dropout", "recurrent_dropout", "seed",
)  # fmt: skip
