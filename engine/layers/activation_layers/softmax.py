"""Softmax: normalizes inputs to probabilities along one or more axes."""

from __future__ import annotations

from typing import Any

from engine import activations, ops
from engine.autograd import as_array
from engine.errors import ConfigError
from engine.layers.layer import Layer

_LARGE_NEGATIVE = -1e9  # what Keras adds at masked positions (float32 and wider)


class Softmax(Layer):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a list of axes).

    A ``mask`` (True = keep) sends masked positions to zero probability, as in
    attention: they get a large negative logit and the output is multiplied by the mask.
    """

    def __init__(self, axis: int | list[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ConfigError(f"Softmax layer '{self.name}': axis must be an int or a list of ints, got {axis!r}.")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        keep = None
        if mask is not None:
            keep = as_array(mask)
            keep = keep if keep.dtype == bool else keep > 0.5
            while keep.ndim < inputs.ndim:
                keep = keep[..., None]
            inputs = ops.where(keep, inputs, _LARGE_NEGATIVE)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            outputs = ops.exp(ops.subtract(inputs, ops.logsumexp(inputs, axis=tuple(self.axis), keepdims=True)))
        else:
            axis = self.axis[0] if isinstance(self.axis, list) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if keep is not None:
            outputs = ops.multiply(outputs, keep.astype(outputs.dtype))
        return outputs

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}
