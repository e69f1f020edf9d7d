"""What the pooling layers share: windowed (max/average) and global pooling."""

from __future__ import annotations

from typing import Any

from engine import backend, ops
from engine.errors import ConfigError
from engine.layers.convolutional._base import describe, normalize_padding, normalize_tuple
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.ops.conv import conv_output_length


class BasePooling(Layer):
    """Windowed pooling over ``rank`` spatial axes; strides default to pool_size (Keras)."""

    rank = 2
    mode = "max"

    def __init__(
        self, pool_size: Any = 2, strides: Any = None, padding: str = "valid", data_format: str | None = None,
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(**kwargs)
        who = describe(self)
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", who)
        self.strides = self.pool_size if strides is None else normalize_tuple(strides, self.rank, "strides", who)
        self.padding = normalize_padding(padding, ("valid", "same"), who)
        self.data_format = backend.standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs: Any) -> Any:
        name = ("max_pool" if self.mode == "max" else "avg_pool") + f"{self.rank}d"
        return getattr(ops, name)(inputs, self.pool_size, self.strides, self.padding, self.data_format)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        last = self.data_format == "channels_last"
        spatial = input_shape[1:-1] if last else input_shape[2:]
        out = tuple(conv_output_length(n, p, s, self.padding) for n, p, s in zip(spatial, self.pool_size, self.strides))
        if any(n is not None and n <= 0 for n in out):
            raise ConfigError(
                f"{describe(self)}: pool_size={self.pool_size} with padding='valid' does not fit input shape "
                f"{tuple(input_shape)} (the output would be empty)."
            )
        return (input_shape[0], *out, input_shape[-1]) if last else (input_shape[0], input_shape[1], *out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }


class BaseGlobalPooling(Layer):
    """Reduce all ``rank`` spatial axes with max or mean; ``keepdims`` keeps them as size 1."""

    rank = 2
    mode = "max"

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = backend.standardize_data_format(data_format)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _spatial_axes(self) -> tuple[int, ...]:
        start = 1 if self.data_format == "channels_last" else 2
        return tuple(range(start, start + self.rank))

    def call(self, inputs: Any) -> Any:
        reduce = ops.max if self.mode == "max" else ops.mean
        return reduce(inputs, axis=self._spatial_axes(), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        axes = self._spatial_axes()
        if self.keepdims:
            return tuple(1 if i in axes else d for i, d in enumerate(input_shape))
        return tuple(d for i, d in enumerate(input_shape) if i not in axes)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}
