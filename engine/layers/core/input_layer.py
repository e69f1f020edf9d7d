"""InputLayer and ``Input()``: where a functional model's data enters."""

from __future__ import annotations

from typing import Any

from engine.backend import floatx
from engine.errors import ConfigError
from engine.layers.layer import Layer
from engine.layers.node import KerasTensor, Node


class InputLayer(Layer):
    """The entry point of a model: holds the input's batch shape and dtype."""

    def __init__(
        self,
        input_shape: tuple | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        name: str | None = None,
        batch_input_shape: tuple | None = None,
        batch_shape: tuple | None = None,
        sparse: bool = False,
        ragged: bool = False,
        shape: tuple | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("optional", None)
        super().__init__(name=name or _next_input_name(), dtype=dtype, **kwargs)
        batch_input_shape = batch_shape if batch_shape is not None else batch_input_shape
        if input_shape is None:
            input_shape = shape
        if batch_input_shape is None:
            if input_shape is None:
                raise ConfigError(f"InputLayer '{self.name}' needs a shape: pass shape=(...) without the batch size.")
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape = tuple(None if d is None else int(d) for d in batch_input_shape)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype or floatx(), name=self.name)
        tensor._keras_history = (self, 0, 0)
        self._inbound_nodes.append(Node(self, [], {}, [tensor]))

    @property
    def batch_shape(self) -> tuple:
        return self._batch_input_shape

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return {
            "batch_input_shape": list(self._batch_input_shape),
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
        }


_input_counter = [0]


def _next_input_name() -> str:
    from engine.layers.naming import unique_name  # noqa: PLC0415

    return unique_name("input_layer")


def Input(  # noqa: N802 - Keras's name for the factory
    shape: tuple | None = None,
    batch_size: int | None = None,
    name: str | None = None,
    dtype: Any = None,
    batch_shape: tuple | None = None,
    tensor: Any = None,
    **kwargs: Any,
) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch size) for a functional model."""
    if tensor is not None:
        return tensor
    if shape is None and batch_shape is None and kwargs.get("batch_input_shape") is None:
        raise ConfigError("Input() needs shape=(...) (without the batch size) or batch_shape=(...).")
    layer = InputLayer(
        input_shape=shape,
        batch_size=batch_size,
        name=name,
        dtype=dtype,
        batch_shape=batch_shape,
        batch_input_shape=kwargs.pop("batch_input_shape", None),
        **kwargs,
    )
    return layer.output
