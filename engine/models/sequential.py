"""``Sequential``: a plain stack of layers, each feeding the next.

As soon as the input shape is known (an ``input_shape`` on the first layer,
an ``Input``/``InputLayer`` added first, or the first data seen), the stack is
wired as a functional graph, so every layer has an ``output`` and intermediate
outputs can be read with ``Model(model.input, layer.output)``.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ConfigError, NotBuiltError
from engine.layers.core.input_layer import InputLayer
from engine.layers.layer import Layer, _to_tensor
from engine.layers.node import KerasTensor
from engine.models.functional import Model


class Sequential(Model):
    """``Sequential([layers.Dense(32, input_shape=(16,)), layers.Dense(1)])``."""

    def __init__(self, layers: list[Layer] | None = None, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        """The stacked layers (the InputLayer is not listed, as in Keras)."""
        return list(self._stack)

    def _sublayers(self) -> list[Layer]:
        return list(self._stack)

    def add(self, layer: Layer | KerasTensor) -> None:
        """Append a layer; with a known input shape it is connected (and checked) at once."""
        if isinstance(layer, KerasTensor):
            layer = layer._keras_history[0]
        if not isinstance(layer, Layer):
            raise ConfigError(f"Sequential.add() expects a Layer instance, received {layer!r}.")
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ConfigError(f"Sequential '{self.name}': an InputLayer can only be added first.")
            self._input_layer = layer
            self._rebuild_graph()
            return
        if any(existing is layer for existing in self._stack):
            raise ConfigError(f"Layer '{layer.name}' is already in Sequential model '{self.name}'.")
        self._stack.append(layer)
        if self._input_layer is None and len(self._stack) == 1:
            shape = _declared_input_shape(layer)
            if shape is not None:
                self._input_layer = InputLayer(batch_input_shape=shape, name=f"{layer.name}_input", dtype=layer.dtype)
        if self._input_layer is not None:
            try:
                self._rebuild_graph()
            except Exception:
                self._stack.pop()
                self._rebuild_graph()
                raise

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._stack:
            raise ConfigError(f"Sequential model '{self.name}' has no layers to pop.")
        layer = self._stack.pop()
        self._rebuild_graph()
        return layer

    def _rebuild_graph(self) -> None:
        if self._input_layer is None or not self._stack:
            self._graph = None
            self.inputs, self.outputs = [], []
            self.built = False
            return
        tensor = self._input_layer.output
        first_input = tensor
        for layer in self._stack:
            tensor = self._output_after(layer, tensor)
        self._init_graph(first_input, tensor)

    @staticmethod
    def _output_after(layer: Layer, tensor: KerasTensor) -> KerasTensor:
        # Reuse the node if this layer was already called on exactly this tensor.
        for node in layer._inbound_nodes:
            if node.input_tensors == [tensor] and not node.kwargs:
                return node.outputs[0]
        return layer(tensor)

    def build(self, input_shape: Any = None) -> None:
        """Wire the stack for inputs of ``input_shape`` (batch dimension included)."""
        if self._graph is not None:
            return
        if input_shape is None:
            raise NotBuiltError(f"Sequential '{self.name}' needs an input shape to be built.")
        batch_shape = (None, *tuple(input_shape)[1:])
        self._input_layer = InputLayer(batch_input_shape=batch_shape, name=f"{self.name}_input")
        self._rebuild_graph()

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        if self._graph is None:
            if not self._stack:
                raise NotBuiltError(f"Sequential model '{self.name}' has no layers.")
            first = _to_tensor(inputs if not isinstance(inputs, (list, tuple)) else inputs[0])
            self.build(first.shape)
        return super().call(inputs, training=training, mask=mask)

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._graph is None:
            self.build(input_shape)
        return super().compute_output_shape(input_shape)

    def get_config(self) -> dict[str, Any]:
        from engine.models.model_config import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Sequential:
        from engine.models.model_config import sequential_from_config

        return sequential_from_config(cls, config, custom_objects)


def _declared_input_shape(layer: Layer) -> tuple | None:
    shape = getattr(layer, "_batch_input_shape", None)
    if shape is not None:
        return tuple(shape)
    if isinstance(layer, Model) and layer._graph is not None and len(layer.inputs) == 1:
        return tuple(layer.inputs[0].shape)
    return None
