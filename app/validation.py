"""Live validation of a design document by the engine itself.

Each node's layer is rebuilt from its config and called on symbolic inputs of
its predecessors' output shapes, so shapes, parameter counts and error messages
are exactly the engine's. Results are cached by (class, config, input shapes):
after one edit only the nodes whose config or inputs changed are rebuilt.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app import catalog
from engine.layers.input_spec import format_shape
from engine.layers.node import KerasTensor

if TYPE_CHECKING:
    from app.document import DesignDocument, DocNode


@dataclass
class NodeStatus:
    """What the engine says about one node."""

    shapes: list[tuple] | None = None  # one shape per output, None when unknown
    params: int = 0
    trainable_params: int = 0
    error: str | None = None  # this node's own problem (shown in red)
    blocked: bool = False  # an upstream problem hides this node's shape

    @property
    def shape_text(self) -> str:
        if self.shapes is None:
            return "?"
        return ", ".join(format_shape(s) for s in self.shapes)


@dataclass
class Problem:
    node_id: int | None
    message: str


@dataclass
class Analysis:
    status: dict[int, NodeStatus] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)  # topological order of the acyclic part
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def totals(self) -> tuple[int, int]:
        """(total, trainable) parameters over the layers (shared layers counted once)."""
        total = sum(s.params for s in self.status.values())
        trainable = sum(s.trainable_params for s in self.status.values())
        return total, trainable


class Validator:
    """Runs the engine over a document; remembers results between runs."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._cache: OrderedDict[tuple, tuple] = OrderedDict()
        self._cache_size = cache_size

    def analyse(self, doc: DesignDocument) -> Analysis:
        analysis = Analysis()
        order, cyclic = topological_order(doc)
        analysis.order = order
        names: dict[str, list[int]] = {}
        for node in doc.nodes.values():
            if node.shares is None:
                names.setdefault(node.name, []).append(node.id)
        duplicates = {nid for ids in names.values() if len(ids) > 1 for nid in ids}
        on_cycle = _on_cycle(doc, cyclic)
        for node_id in cyclic:
            name = doc.nodes[node_id].name
            if node_id in on_cycle:
                message = f"Layer '{name}' is part of a cycle: a layer's output cannot feed back into its own input."
                analysis.status[node_id] = NodeStatus(error=message)
            else:
                analysis.status[node_id] = NodeStatus(blocked=True)
        for node_id in order:
            node = doc.nodes[node_id]
            status = self._node_status(doc, node, analysis)
            if node_id in duplicates and status.error is None:
                status.error = f"Two layers are named '{node.name}': layer names must be unique in a model."
            analysis.status[node_id] = status
        counted: set[int] = set()
        for node_id in order:  # a shared layer's weights count once
            node = doc.nodes[node_id]
            owner = node.shares if node.shares is not None else node.id
            if owner in counted:
                analysis.status[node_id].params = analysis.status[node_id].trainable_params = 0
            counted.add(owner)
        for node_id in [*cyclic, *order]:
            status = analysis.status[node_id]
            if status.error:
                analysis.problems.append(Problem(node_id, status.error))
        if not doc.nodes:
            analysis.problems.append(Problem(None, "The model is empty: add an Input layer from the palette."))
        elif not any(n.class_name == "InputLayer" for n in doc.nodes.values()):
            analysis.problems.append(Problem(None, "The model has no Input layer: every model starts from one."))
        return analysis

    def _node_status(self, doc: DesignDocument, node: DocNode, analysis: Analysis) -> NodeStatus:
        owner = doc.nodes.get(node.shares) if node.shares is not None else node
        if owner is None:
            return NodeStatus(error=f"Layer call '{node.name}' reuses a layer that is no longer in the model.")
        if node.class_name == "InputLayer":
            return self._cached(owner, [])
        inbound = doc.inbound(node.id)
        if not inbound:
            return NodeStatus(
                error=f"Layer '{node.name}' ({node.class_name}) has no input: connect a layer's "
                "output to its input port."
            )
        shapes = []
        for edge in inbound:
            upstream = analysis.status.get(edge.source)
            if upstream is None or upstream.shapes is None:
                return NodeStatus(blocked=True)
            if edge.source_port >= len(upstream.shapes):
                return NodeStatus(error=f"Layer '{doc.nodes[edge.source].name}' has no output {edge.source_port}.")
            shapes.append(upstream.shapes[edge.source_port])
        if owner.config.get("stateful") and shapes and shapes[0] and shapes[0][0] is None:
            return NodeStatus(
                error=f"Layer '{owner.name}' is stateful, so the model needs a fixed batch size: set "
                "'Batch size' on its Input layer (Input(shape, batch_size=...) in code)."
            )
        return self._cached(owner, shapes)

    def _cached(self, owner: DocNode, shapes: list[tuple]) -> NodeStatus:
        key = (owner.class_name, json.dumps(owner.config, sort_keys=True, default=str), tuple(shapes))
        hit = self._cache.get(key)
        if hit is None:
            hit = _run_engine(owner.class_name, owner.config, shapes)
            self._cache[key] = hit
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        out_shapes, params, trainable, error = hit
        return NodeStatus(shapes=out_shapes, params=params, trainable_params=trainable, error=error)


def _run_engine(class_name: str, config: dict[str, Any], shapes: list[tuple]) -> tuple:
    """(output shapes, params, trainable params, error message) from the engine.

    The layer is built with placeholder weights (no memory, no initializer): only its shapes and
    counts are kept. A layer whose build writes into its weights fails on the read-only placeholders
    and is built again for real, so the answer is always the engine's own; an ordinary error (a bad
    shape) is not built twice.
    """
    from engine.layers.placeholders import placeholder_weights

    with placeholder_weights():
        result = _build_and_call(class_name, config, shapes)
    if result[3] is not None and "read-only" in result[3]:
        result = _build_and_call(class_name, config, shapes)
    return result


def _build_and_call(class_name: str, config: dict[str, Any], shapes: list[tuple]) -> tuple:
    from engine.layers.core.input_layer import InputLayer
    from engine.models.model_config import deserialize_layer

    try:
        if class_name == "InputLayer":
            layer = InputLayer.from_config(
                {k: v for k, v in config.items() if k in ("batch_input_shape", "dtype", "name")}
            )
            return [tuple(layer.batch_shape)], 0, 0, None
        layer = deserialize_layer({"class_name": class_name, "config": config})
        tensors = [KerasTensor(shape) for shape in shapes]
        args = tensors if catalog.is_multi_input(class_name) or len(tensors) > 1 else tensors[0]
        out = layer(args)
        outs = out if isinstance(out, list) else [out]
        params = layer.count_params() if layer.built else 0
        trainable = sum(_size(w.shape) for w in layer.trainable_weights) if layer.built else 0
        return [tuple(t.shape) for t in outs], params, trainable, None
    except Exception as error:  # noqa: BLE001 - any engine failure is shown to the user, never raised
        return None, 0, 0, _message(error)


def _message(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    if not text.endswith((".", "?", "!", ")", "]")):
        text += "."
    return text


def _size(shape: tuple) -> int:
    total = 1
    for d in shape:
        total *= d
    return total


def topological_order(doc: DesignDocument) -> tuple[list[int], list[int]]:
    """(nodes in dependency order, nodes on or behind a cycle), stable by insertion order."""
    indegree = dict.fromkeys(doc.nodes, 0)
    children: dict[int, list[int]] = {n: [] for n in doc.nodes}
    for edge in doc.edges:
        indegree[edge.target] += 1
        children[edge.source].append(edge.target)
    for node in doc.nodes.values():  # a shared call depends on its owner being built
        if node.shares is not None and node.shares in doc.nodes:
            indegree[node.id] += 1
            children[node.shares].append(node.id)
    ready = [n for n, d in indegree.items() if d == 0]
    order: list[int] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for child in children[current]:
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    placed = set(order)
    return order, [n for n in doc.nodes if n not in placed]


def _on_cycle(doc: DesignDocument, leftover: list[int]) -> set[int]:
    """The leftover nodes of a topological sort that can reach themselves."""
    members = set(leftover)
    children: dict[int, list[int]] = {n: [] for n in members}
    for edge in doc.edges:
        if edge.source in members and edge.target in members:
            children[edge.source].append(edge.target)
    found = set()
    for start in leftover:
        stack, seen = list(children[start]), set()
        while stack:
            current = stack.pop()
            if current == start:
                found.add(start)
                break
            if current not in seen:
                seen.add(current)
                stack.extend(children[current])
    return found
