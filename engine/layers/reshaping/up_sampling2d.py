"""UpSampling2D: enlarges each image by integer factors (nearest or bilinear)."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.backend import standardize_data_format, xp
from engine.errors import ConfigError
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.layers.reshaping._args import normalize_size, spatial_axes

_INTERPOLATIONS = ("nearest", "bilinear")


class UpSampling2D(Layer):
    """Repeat rows and columns ``size`` times ('nearest'), or interpolate them ('bilinear').

    Bilinear uses half-pixel centres with edge clamping, the convention of
    ``tf.image.resize`` and ``jax.image.resize`` that Keras calls.
    """

    def __init__(
        self, size: Any = (2, 2), data_format: str | None = None, interpolation: str = "nearest", **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.size = normalize_size("UpSampling2D", self.name, "size", size)
        self.data_format = standardize_data_format(data_format)
        if interpolation not in _INTERPOLATIONS:
            raise ConfigError(
                f"UpSampling2D layer '{self.name}': interpolation must be one of {', '.join(_INTERPOLATIONS)}, "
                f"got {interpolation!r}."
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        h_axis, w_axis = spatial_axes(self.data_format)
        if self.interpolation == "nearest":
            out = inputs if self.size[0] == 1 else ops.repeat(inputs, self.size[0], axis=h_axis)
            return out if self.size[1] == 1 else ops.repeat(out, self.size[1], axis=w_axis)
        # bilinear is separable: contract each spatial axis with an interpolation matrix
        out = _resize_axis(inputs, h_axis, self.size[0])
        return _resize_axis(out, w_axis, self.size[1])

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, factor in zip(spatial_axes(self.data_format), self.size, strict=True):
            if shape[axis] is not None:
                shape[axis] *= factor
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": list(self.size),
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }


def _resize_axis(x: Any, axis: int, factor: int) -> Any:
    """Linear interpolation of ``x`` along ``axis`` to ``factor`` times its length."""
    if factor == 1:
        return x
    n = x.shape[axis]
    matrix = _interpolation_matrix(n, n * factor, x.dtype)
    order = [a for a in range(x.ndim) if a != axis] + [axis]
    moved = ops.transpose(x, tuple(order))
    resized = ops.matmul(moved, matrix)
    inverse = sorted(range(x.ndim), key=order.__getitem__)
    return ops.transpose(resized, tuple(inverse))


def _interpolation_matrix(n_in: int, n_out: int, dtype: Any) -> Any:
    """``(n_in, n_out)`` weights: output ``o`` samples input position ``(o + 0.5) * n_in / n_out - 0.5``."""
    positions = (xp.arange(n_out, dtype="float64") + 0.5) * (n_in / n_out) - 0.5
    positions = xp.clip(positions, 0, n_in - 1)
    low = xp.floor(positions).astype("int64")
    high = xp.minimum(low + 1, n_in - 1)
    frac = positions - low
    rows = xp.arange(n_in)[:, None]
    # where low == high (the clamped edge) the two terms add up to weight 1
    matrix = (rows == low[None, :]) * (1 - frac)[None, :] + (rows == high[None, :]) * frac[None, :]
    return matrix.astype(dtype)
