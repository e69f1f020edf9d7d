"""``Model``: a graph of layers from ``Input()`` tensors to outputs (the functional API).

A model is itself a layer: it can be called on new inputs (a nested model),
shares its layers' weights with every other model built from them, and
trains through the ``Trainer`` mixin (compile/fit/evaluate/predict).
"""

from __future__ import annotations

from typing import Any

from engine.autograd import Tensor
from engine.errors import ConfigError, GraphError, NotBuiltError, ShapeError
from engine.layers.core.input_layer import InputLayer
from engine.layers.input_spec import format_shape
from engine.layers.layer import Layer, _to_tensor
from engine.layers.node import KerasTensor, flatten, map_structure
from engine.models.graph import GraphMap, map_graph
from engine.saving.model_io import SavingMixin
from engine.training.trainer import Trainer


class Model(SavingMixin, Trainer, Layer):
    """A functional model: ``Model(inputs, outputs, name=...)``."""

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None, **kwargs: Any) -> None:
        trainable = kwargs.pop("trainable", True)
        Layer.__init__(self, name=name, trainable=trainable, **kwargs)
        Trainer.__init__(self)
        self._graph: GraphMap | None = None
        self._nested_inputs: Any = None
        self._nested_outputs: Any = None
        self.inputs: list[KerasTensor] = []
        self.outputs: list[KerasTensor] = []
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise GraphError("A functional Model needs both inputs= and outputs=.")
            self._init_graph(inputs, outputs)

    # -- graph ---------------------------------------------------------------
    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        if isinstance(inputs, dict):
            inputs = list(inputs.values())
        self._nested_inputs = inputs
        self._nested_outputs = outputs
        self.inputs = list(flatten(inputs))
        self.outputs = list(flatten(outputs))
        for index, tensor in enumerate(self.inputs):
            if not isinstance(tensor, KerasTensor):
                raise GraphError(
                    f"Model '{self.name}': input {index} is not a symbolic tensor from Input(): {tensor!r}."
                )
            if not isinstance(tensor._keras_history[0], InputLayer):
                raise GraphError(
                    f"Model '{self.name}': input {index} was produced by layer '{tensor._keras_history[0].name}'; "
                    "model inputs must be tensors returned by Input()."
                )
        self._graph = map_graph(self.inputs, self.outputs)
        self.built = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._graph.layers) if self._graph is not None else list(self._tracked_layers.values())

    def _sublayers(self) -> list[Layer]:
        return self.layers if self._graph is not None else super()._sublayers()

    @property
    def input(self) -> Any:
        self._require_graph("input")
        return self._nested_inputs

    @property
    def output(self) -> Any:
        self._require_graph("output")
        return self._nested_outputs

    @property
    def input_shape(self) -> Any:
        return map_structure(lambda t: t.shape, self.input)

    @property
    def output_shape(self) -> Any:
        return map_structure(lambda t: t.shape, self.output)

    @property
    def input_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        return [t._keras_history[0].name for t in self.outputs]

    def _require_graph(self, what: str) -> None:
        if self._graph is None:
            raise NotBuiltError(
                f"Model '{self.name}' has no {what} yet: it has not been built. Give its first layer an "
                "input_shape, call build(input_shape), or fit/predict on data first."
            )

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name or by index in ``model.layers``."""
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ConfigError(f"Model '{self.name}' has {len(layers)} layers; index {index} is out of range.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ConfigError(
            f"Model '{self.name}' has no layer named {name!r}. Layers: {', '.join(l.name for l in layers)}."
        )

    # -- running -------------------------------------------------------------
    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        self._require_graph("graph to run")
        values: dict[int, Any] = {}
        given = self._match_inputs(inputs)
        for tensor, value in zip(self.inputs, given):
            values[id(tensor)] = value
        for node in self._graph.nodes_in_order:
            if node.is_input:
                continue
            args = map_structure(lambda t: values[id(t)] if isinstance(t, KerasTensor) else t, node.args)
            kwargs = dict(node.kwargs)
            positional = kwargs.pop("_positional", [])
            outputs = node.layer._call_eager(args, *positional, training=training, **kwargs)
            for symbolic, value in zip(node.outputs, flatten(outputs)):
                values[id(symbolic)] = value
        return map_structure(lambda t: values[id(t)], self._nested_outputs)

    def _match_inputs(self, inputs: Any) -> list[Any]:
        if isinstance(inputs, dict):
            missing = [n for n in self.input_names if n not in inputs]
            if missing:
                raise ShapeError(f"Model '{self.name}' expects inputs named {self.input_names}; missing {missing}.")
            inputs = [inputs[n] for n in self.input_names]
        given = list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(given) != len(self.inputs):
            raise ShapeError(
                f"Model '{self.name}' expects {len(self.inputs)} input(s) ({', '.join(self.input_names)}), "
                f"received {len(given)}."
            )
        checked = []
        for index, (tensor, value) in enumerate(zip(self.inputs, given)):
            converted = _to_tensor(value)
            _check_input_shape(self.name, index, tensor, converted, model=self)
            checked.append(converted)
        return checked

    def compute_output_shape(self, input_shape: Any) -> Any:
        self._require_graph("graph")
        shapes = input_shape if isinstance(input_shape, list) and len(self.inputs) > 1 else [input_shape]
        known: dict[int, Any] = {}
        for tensor, shape in zip(self.inputs, shapes):
            known[id(tensor)] = tuple(shape)
        for node in self._graph.nodes_in_order:
            if node.is_input:
                continue
            args = map_structure(lambda t: known[id(t)] if isinstance(t, KerasTensor) else t, node.args)
            out = node.layer.compute_output_shape(args)
            outs = out if isinstance(out, list) and out and isinstance(out[0], (tuple, list)) else [out]
            for symbolic, shape in zip(node.outputs, outs):
                known[id(symbolic)] = tuple(shape)
        result = [known[id(t)] for t in self.outputs]
        return result if len(result) > 1 else result[0]

    def build(self, input_shape: Any) -> None:
        self.built = True

    def reset_states(self) -> None:
        """Reset the state of every stateful layer (recurrent layers with stateful=True)."""
        for layer in self.layers:
            if getattr(layer, "stateful", False) or isinstance(layer, Model):
                layer.reset_states()

    # -- summary and config ------------------------------------------------
    def summary(self, line_length: int | None = None, print_fn: Any = None, expand_nested: bool = False) -> None:
        """Print a Keras-style table of layers, output shapes and parameter counts."""
        from engine.models.summary import print_summary

        print_summary(self, line_length=line_length, print_fn=print_fn)

    def get_config(self) -> dict[str, Any]:
        from engine.models.model_config import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: dict[str, Any] | None = None) -> Model:
        from engine.models.model_config import functional_from_config

        return functional_from_config(cls, config, custom_objects)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} layers={len(self.layers)}>"


def _check_input_shape(model_name: str, index: int, tensor: KerasTensor, value: Any, model: Any = None) -> None:
    if not isinstance(value, Tensor):
        return
    expected = tensor.shape
    actual = value.shape
    compatible = len(expected) == len(actual) and all(e is None or e == a for e, a in zip(expected, actual))
    if not compatible and _is_stateful_batch_mismatch(model, expected, actual):
        raise ShapeError(
            f"Model '{model_name}' is stateful with a fixed batch size of {expected[0]}: input {index} expects "
            f"shape {format_shape(expected)}, received data of shape {format_shape(actual)}. Feed batches of "
            f"exactly {expected[0]} samples (batch_size={expected[0]}, a sample count divisible by it)."
        )
    if not compatible:
        raise ShapeError(
            f"Input {index} of model '{model_name}' (layer '{tensor._keras_history[0].name}') expects shape "
            f"{format_shape(expected)}, received data of shape {format_shape(actual)}."
        )


def _is_stateful_batch_mismatch(model: Any, expected: tuple, actual: tuple) -> bool:
    if model is None or not expected or not actual or expected[0] is None or expected[0] == actual[0]:
        return False
    from engine.training.trainer import _all_layers  # noqa: PLC0415

    return any(getattr(layer, "stateful", False) for layer in _all_layers(model))
