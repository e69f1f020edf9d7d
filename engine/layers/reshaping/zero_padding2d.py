"""ZeroPadding2D: adds rows and columns of zeros around each image."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.backend import standardize_data_format
from engine.layers.input_spec import InputSpec
from engine.layers.layer import Layer
from engine.layers.reshaping._args import normalize_pairs, spatial_axes


class ZeroPadding2D(Layer):
    """Pad height and width by ``padding``: an int, ``(h, w)`` or ``((top, bottom), (left, right))``."""

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.padding = normalize_pairs("ZeroPadding2D", self.name, "padding", padding)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Any) -> Any:
        pad_width = [(0, 0)] * 4
        for axis, pair in zip(spatial_axes(self.data_format), self.padding, strict=True):
            pad_width[axis] = pair
        return ops.pad(inputs, pad_width)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(self.data_format), self.padding, strict=True):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "padding": [list(p) for p in self.padding],
            "data_format": self.data_format,
        }
