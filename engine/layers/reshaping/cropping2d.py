"""Cropping2D: removes rows and columns from the borders of each image."""

from __future__ import annotations

from typing import Any

from engine import ops
from engine.backend import standardize_data_format
from engine.errors import ShapeError
from engine.layers.input_spec import InputSpec, format_shape
from engine.layers.layer import Layer
from engine.layers.reshaping._args import normalize_pairs, spatial_axes


class Cropping2D(Layer):
    """Crop height and width by ``cropping``: an int, ``(h, w)`` or ``((top, bottom), (left, right))``."""

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = normalize_pairs("Cropping2D", self.name, "cropping", cropping)
        self.data_format = standardize_data_format(data_format)
        self.input_spec = InputSpec(ndim=4)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(self.data_format), self.cropping, strict=True):
            if shape[axis] is None:
                continue
            if before + after >= shape[axis]:
                raise ShapeError(
                    f"Cropping2D layer '{self.name}': cropping {self.cropping} must leave at least one row and "
                    f"column, received input shape {format_shape(tuple(input_shape))} ({self.data_format})."
                )
            shape[axis] -= before + after
        return tuple(shape)

    def call(self, inputs: Any) -> Any:
        self.compute_output_shape(inputs.shape)
        index = [slice(None)] * 4
        for axis, (before, after) in zip(spatial_axes(self.data_format), self.cropping, strict=True):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return ops.getitem(inputs, tuple(index))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "cropping": [list(c) for c in self.cropping],
            "data_format": self.data_format,
        }
