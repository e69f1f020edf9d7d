"""Symbolic tensors and nodes: the graph that functional models are made of.

Calling a layer on ``KerasTensor`` inputs does no math: it builds the layer,
infers the output shape and records a ``Node`` linking the inputs to the new
symbolic outputs. A functional model later replays its nodes in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.layers.input_spec import format_shape

if TYPE_CHECKING:
    from engine.layers.layer import Layer


class KerasTensor:
    """A placeholder for a tensor in a model being defined: a shape and a history."""

    __slots__ = ("shape", "dtype", "_keras_history", "name")

    def __init__(self, shape: tuple[Any, ...], dtype: str = "float32", name: str | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self._keras_history: tuple[Layer, int, int] | None = None
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def node(self) -> Node:
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self) -> str:
        origin = f" (created by layer '{self._keras_history[0].name}')" if self._keras_history else ""
        return f"<KerasTensor shape={format_shape(self.shape)} dtype={self.dtype}{origin}>"

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


class Node:
    """One call of a layer in a graph: its symbolic inputs, call arguments and outputs."""

    def __init__(self, layer: Layer, args: Any, kwargs: dict[str, Any], outputs: list[KerasTensor]) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = list(flatten(args))

    @property
    def parent_nodes(self) -> list[Node]:
        return [t.node for t in self.input_tensors if t._keras_history is not None]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors


def flatten(structure: Any) -> Iterator[Any]:
    """The leaves of nested lists/tuples/dicts, in order."""
    if isinstance(structure, (list, tuple)):
        for item in structure:
            yield from flatten(item)
    elif isinstance(structure, dict):
        for key in structure:
            yield from flatten(structure[key])
    else:
        yield structure


def map_structure(fn: Any, structure: Any) -> Any:
    """Apply ``fn`` to every leaf, keeping the nesting."""
    if isinstance(structure, list):
        return [map_structure(fn, s) for s in structure]
    if isinstance(structure, tuple):
        return tuple(map_structure(fn, s) for s in structure)
    if isinstance(structure, dict):
        return {k: map_structure(fn, v) for k, v in structure.items()}
    return fn(structure)


def is_symbolic(structure: Any) -> bool:
    return any(isinstance(leaf, KerasTensor) for leaf in flatten(structure))
