"""Design document <-> engine ``Model``.

``to_model`` builds fresh engine layers from the node configs and calls them in
topological order on ``Input`` tensors (merge layers get the list of their
inputs); ``from_model`` turns a model's layers and inbound nodes into nodes and
edges and lays them out.
"""

from __future__ import annotations

from typing import Any

from app import catalog
from app.document import DesignDocument, DocNode, Edge
from app.layout import layered_layout
from engine.errors import GraphError
from engine.layers.core.input_layer import InputLayer
from engine.layers.node import KerasTensor
from engine.models import Model
from engine.models.model_config import deserialize_layer, serialize_layer


def to_model(doc: DesignDocument, custom_objects: dict[str, Any] | None = None) -> Model:
    """An engine functional model for a valid document (GraphError naming the first problem otherwise).

    Inputs are the Input nodes in document order; outputs are the nodes nothing
    consumes. Weights held by nodes (from an opened file) are restored when
    their shapes still fit.
    """
    analysis = doc.analysis
    if analysis.problems:
        raise GraphError(f"The design has {len(analysis.problems)} problem(s); first: {analysis.problems[0].message}")
    layers: dict[int, Any] = {}
    outputs_of: dict[int, list[KerasTensor]] = {}
    for node_id in analysis.order:
        node = doc.nodes[node_id]
        if node.class_name == "InputLayer":
            layer = InputLayer.from_config(_input_kwargs(node.config))
            layers[node_id] = layer
            outputs_of[node_id] = [layer.output]
            continue
        if node.shares is not None:
            layer = layers[node.shares]
        else:
            layer = deserialize_layer({"class_name": node.class_name, "config": node.config}, custom_objects)
            layers[node_id] = layer
        args = [outputs_of[e.source][e.source_port] for e in doc.inbound(node_id)]
        out = layer(args if catalog.is_multi_input(node.class_name) or len(args) > 1 else args[0])
        outputs_of[node_id] = out if isinstance(out, list) else [out]
        if node.shares is None and node.weights is not None:
            _restore_weights(layer, node.weights)
    consumed = {e.source for e in doc.edges}
    inputs = [outputs_of[n][0] for n in analysis.order if doc.nodes[n].class_name == "InputLayer"]
    outputs = [t for n in analysis.order if n not in consumed for t in outputs_of[n]]
    outputs = [
        t for t in outputs if t._keras_history[0] is not None and not isinstance(t._keras_history[0], InputLayer)
    ]
    if not outputs:
        raise GraphError("The design has no output: connect at least one layer after the Input.")
    return Model(
        inputs=inputs if len(inputs) > 1 else inputs[0],
        outputs=outputs if len(outputs) > 1 else outputs[0],
        name=doc.name,
    )


def _input_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in config.items() if k in ("batch_input_shape", "dtype", "name")}


def _restore_weights(layer: Any, weights: list[Any]) -> None:
    current = layer.weights
    if len(current) == len(weights) and all(tuple(w.shape) == tuple(v.shape) for w, v in zip(current, weights)):
        layer.set_weights(weights)


def from_model(model: Model, layout: bool = True, weights: bool = True) -> DesignDocument:
    """A document with one node per layer call of ``model`` (shared layers become sharing nodes)."""
    doc = DesignDocument(name=model.name)
    graph = getattr(model, "_graph", None)
    if graph is None:
        raise GraphError(f"Model '{model.name}' has no graph yet: give it an input shape or build it first.")
    node_ids: dict[int, int] = {}  # id(engine node) -> document node id
    owner_of_layer: dict[int, int] = {}
    with doc.batch():
        for engine_node in graph.nodes_in_order:
            layer = engine_node.layer
            entry = serialize_layer(layer)
            first = owner_of_layer.get(id(layer))
            doc_node = DocNode(doc.new_id(), entry["class_name"].split(">")[-1], entry["config"])
            if first is not None:
                doc_node.shares = first
            else:
                owner_of_layer[id(layer)] = doc_node.id
                doc_node.weights = [w.copy() for w in layer.get_weights()] if weights and layer.weights else None
            node_ids[id(engine_node)] = doc_node.id
            doc.add_node(doc_node)
        for engine_node in graph.nodes_in_order:
            if engine_node.is_input:
                continue
            for port, tensor in enumerate(engine_node.input_tensors):
                source_layer, node_index, tensor_index = tensor._keras_history
                source = node_ids[id(source_layer._inbound_nodes[node_index])]
                doc.add_edge(Edge(source, node_ids[id(engine_node)], port, tensor_index))
        if layout:
            for node_id, (x, y) in layered_layout(doc).items():
                doc.nodes[node_id].x, doc.nodes[node_id].y = x, y
    return doc
