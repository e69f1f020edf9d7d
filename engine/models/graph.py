"""The structure of a functional model: which nodes run, in which order.

``map_graph`` walks back from the outputs to the inputs (the way Keras does),
orders layers by depth, and rejects graphs in which an output cannot be
computed from the given inputs ("graph disconnected") with the layer named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from engine.errors import GraphError
from engine.layers.node import KerasTensor, Node

if TYPE_CHECKING:
    from engine.layers.layer import Layer


@dataclass
class GraphMap:
    nodes_in_order: list[Node] = field(default_factory=list)  # execution order, deepest first
    layers: list[Layer] = field(default_factory=list)  # Keras's model.layers order
    node_keys: set[int] = field(default_factory=set)  # id() of every node of this model


def map_graph(inputs: list[KerasTensor], outputs: list[KerasTensor]) -> GraphMap:
    finished: list[Node] = []
    finished_ids: set[int] = set()
    layer_indices: dict[int, int] = {}
    layer_by_id: dict[int, Layer] = {}

    for output in outputs:
        if not isinstance(output, KerasTensor) or output._keras_history is None:
            raise GraphError(
                f"Model outputs must be tensors produced by layers called on Input(), received {output!r}."
            )
        stack: list[tuple[Node, bool]] = [(output.node, False)]
        in_progress: set[int] = set()
        while stack:
            node, expanded = stack.pop()
            if expanded:
                in_progress.discard(id(node))
                if id(node) not in finished_ids:
                    finished_ids.add(id(node))
                    finished.append(node)
                continue
            if id(node) in finished_ids:
                continue
            if id(node) in in_progress:
                raise GraphError(f"The graph has a cycle through layer '{node.layer.name}'.")
            layer = node.layer
            if id(layer) not in layer_indices:
                layer_indices[id(layer)] = len(layer_indices)
                layer_by_id[id(layer)] = layer
            in_progress.add(id(node))
            stack.append((node, True))
            for tensor in reversed(node.input_tensors):
                if not isinstance(tensor, KerasTensor) or tensor._keras_history is None:
                    continue
                parent = tensor.node
                if id(parent) not in finished_ids:
                    stack.append((parent, False))

    node_depth: dict[int, int] = {}
    layer_depth: dict[int, int] = {}
    node_by_id = {id(n): n for n in finished}
    for node in reversed(finished):
        depth = node_depth.setdefault(id(node), 0)
        depth = max(depth, layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        for tensor in node.input_tensors:
            if isinstance(tensor, KerasTensor) and tensor._keras_history is not None:
                parent = tensor.node
                node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    for tensor in inputs:
        layer = tensor._keras_history[0]
        if id(layer) not in layer_depth:
            layer_depth[id(layer)] = 0
            layer_indices[id(layer)] = -1
            layer_by_id[id(layer)] = layer
            node = tensor.node
            node_depth[id(node)] = 0
            node_by_id[id(node)] = node

    depths = sorted(set(node_depth.values()), reverse=True)
    nodes_by_depth: dict[int, list[Node]] = {d: [] for d in depths}
    for key, depth in node_depth.items():
        nodes_by_depth[depth].append(node_by_id[key])
    layers_by_depth: dict[int, list[Layer]] = {}
    for key, depth in layer_depth.items():
        layers_by_depth.setdefault(depth, []).append(layer_by_id[key])

    graph = GraphMap()
    for depth in sorted(layers_by_depth, reverse=True):
        graph.layers.extend(sorted(layers_by_depth[depth], key=lambda layer: layer_indices[id(layer)]))

    computable = {id(t) for t in inputs}
    seen_layers: list[str] = []
    for depth in depths:
        for node in sorted(nodes_by_depth[depth], key=lambda n: finished.index(n) if n in finished else -1):
            if not node.is_input:
                for tensor in node.input_tensors:
                    if isinstance(tensor, KerasTensor) and id(tensor) not in computable:
                        raise GraphError(
                            f"Graph disconnected: cannot obtain the value of tensor {tensor!r} at layer "
                            f"'{node.layer.name}'. Layers reached without problem: {seen_layers}. "
                            "Pass every Input() the outputs depend on in the model's inputs."
                        )
            elif not any(id(t) in computable for t in node.outputs):
                raise GraphError(
                    f"Graph disconnected: the outputs depend on input '{node.layer.name}', which is not "
                    "among the model's inputs. Add it to inputs=[...]."
                )
            computable.update(id(t) for t in node.outputs)
            seen_layers.append(node.layer.name)
            graph.nodes_in_order.append(node)
    graph.node_keys = {id(n) for n in graph.nodes_in_order}
    return graph
