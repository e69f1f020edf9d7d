"""The design document: layer nodes, edges and positions, with observer events. Qt-free.

The canvas, inspector, summary and problems views subscribe to a document and
redraw from its events; undo commands are the only writers. After every edit
(or at the end of a ``batch()``) the document re-validates itself with the
engine (see ``app.validation``) and emits ``"validated"``.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from app import catalog
from app.validation import Analysis, Validator


@dataclass
class DocNode:
    """One layer call on the canvas: an engine layer class, its config, and where it is drawn.

    ``shares`` names another node whose layer (and weights) this node calls again,
    the way a shared layer is called on two inputs in a functional model.
    """

    id: int
    class_name: str
    config: dict[str, Any]
    x: float = 0.0
    y: float = 0.0
    weights: list[Any] | None = None
    shares: int | None = None
    note: str = ""
    color: str = ""  # accent colour chosen by the user ("" = the layer family's colour)

    @property
    def name(self) -> str:
        return str(self.config.get("name", ""))

    @property
    def trainable(self) -> bool:
        return bool(self.config.get("trainable", True))

    def copy(self) -> DocNode:
        return DocNode(
            self.id,
            self.class_name,
            copy.deepcopy(self.config),
            self.x,
            self.y,
            self.weights,
            self.shares,
            self.note,
            self.color,
        )


@dataclass(frozen=True)
class Edge:
    """Output ``source_port`` of ``source`` feeds input ``port`` of ``target`` (merge inputs sort by port)."""

    source: int
    target: int
    port: int = 0
    source_port: int = 0


Listener = Callable[[str, dict[str, Any]], None]


@dataclass
class DesignDocument:
    """A model being designed. Events: node_added, node_removed, node_changed, node_moved,
    edge_added, edge_removed, reset, validated (payloads are dicts)."""

    name: str = "model"
    nodes: dict[int, DocNode] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    training_config: dict[str, Any] | None = None
    optimizer_state: list[Any] | None = None  # from an opened file; saved back while it still fits
    training_extras: dict[str, Any] | None = None  # the dashboard's settings and last history (app.training)

    def __post_init__(self) -> None:
        self._listeners: list[Listener] = []
        self._ids = itertools.count(max(self.nodes, default=0) + 1)
        self._batch_depth = 0
        self._dirty = False
        self._validator = Validator()
        self.analysis: Analysis = self._validator.analyse(self)

    # -- events --------------------------------------------------------------
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        self._listeners.remove(listener)

    def _emit(self, kind: str, **payload: Any) -> None:
        for listener in list(self._listeners):
            listener(kind, payload)

    def _changed(self) -> None:
        if self._batch_depth:
            self._dirty = True
            return
        self.revalidate()

    def revalidate(self) -> Analysis:
        self.analysis = self._validator.analyse(self)
        self._emit("validated", analysis=self.analysis)
        return self.analysis

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group edits: validate once at the end."""
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if self._batch_depth == 0 and self._dirty:
                self._dirty = False
                self.revalidate()

    # -- queries -------------------------------------------------------------
    def new_id(self) -> int:
        return next(self._ids)

    def node_by_name(self, name: str) -> DocNode | None:
        return next((n for n in self.nodes.values() if n.name == name), None)

    def inbound(self, node_id: int) -> list[Edge]:
        return sorted((e for e in self.edges if e.target == node_id), key=lambda e: e.port)

    def outbound(self, node_id: int) -> list[Edge]:
        return [e for e in self.edges if e.source == node_id]

    def input_port_count(self, node_id: int) -> int:
        """How many input ports a node shows: none for Input, one, or one more than connected for merges."""
        node = self.nodes[node_id]
        if node.class_name == "InputLayer":
            return 0
        if catalog.is_multi_input(node.class_name) or catalog.takes_extra_inputs(node.class_name):
            return len(self.inbound(node_id)) + 1
        return max(1, len(self.inbound(node_id)))

    def free_port(self, node_id: int) -> int:
        """The port a new connection to ``node_id`` should use."""
        name = self.nodes[node_id].class_name
        if catalog.is_multi_input(name) or catalog.takes_extra_inputs(name):
            return max((e.port for e in self.inbound(node_id)), default=-1) + 1
        return 0

    def unique_name(self, base: str) -> str:
        taken = {n.name for n in self.nodes.values()}
        base = re.sub(r"_\d+$", "", base) or "layer"
        if base not in taken:
            return base
        for index in itertools.count(1):
            if f"{base}_{index}" not in taken:
                return f"{base}_{index}"
        raise AssertionError  # pragma: no cover

    # -- edits (called by undo commands) -------------------------------------
    def add_node(self, node: DocNode) -> DocNode:
        if node.id in self.nodes:
            raise ValueError(f"Node id {node.id} already exists.")
        self.nodes[node.id] = node
        self._ids = itertools.count(max(next(self._ids), node.id + 1))
        self._emit("node_added", node=node)
        self._changed()
        return node

    def create_node(
        self, class_name: str, x: float = 0.0, y: float = 0.0, config: dict[str, Any] | None = None
    ) -> DocNode:
        """A new node (not yet added) with the catalog's default config and a free name."""
        config = dict(config) if config is not None else catalog.default_config(class_name)
        config["name"] = self.unique_name(config.get("name") or catalog.default_name_base(class_name))
        return DocNode(self.new_id(), class_name, config, x, y)

    def remove_node(self, node_id: int) -> DocNode:
        for edge in [e for e in self.edges if node_id in (e.source, e.target)]:
            self.remove_edge(edge)
        node = self.nodes.pop(node_id)
        self._emit("node_removed", node=node)
        self._changed()
        return node

    def set_config(self, node_id: int, config: dict[str, Any]) -> None:
        node = self.nodes[node_id]
        node.config = copy.deepcopy(config)
        self._emit("node_changed", node=node)
        self._changed()

    def set_weights(self, node_id: int, weights: list[Any] | None) -> None:
        self.nodes[node_id].weights = weights

    def move_node(self, node_id: int, x: float, y: float) -> None:
        node = self.nodes[node_id]
        node.x, node.y = float(x), float(y)
        self._emit("node_moved", node=node)

    def add_edge(self, edge: Edge) -> None:
        if edge.source not in self.nodes or edge.target not in self.nodes:
            raise ValueError(f"Edge {edge} names a missing node.")
        if edge in self.edges:
            return
        self.edges.append(edge)
        self._emit("edge_added", edge=edge)
        self._changed()

    def remove_edge(self, edge: Edge) -> None:
        self.edges.remove(edge)
        self._emit("edge_removed", edge=edge)
        self._changed()

    def replace_with(self, other: DesignDocument) -> None:
        """Take over another document's content (New, Open, templates)."""
        self.name = other.name
        self.nodes = {k: v.copy() for k, v in other.nodes.items()}
        self.edges = list(other.edges)
        self.training_config = other.training_config
        self.optimizer_state = other.optimizer_state
        self.training_extras = other.training_extras
        self._ids = itertools.count(max(self.nodes, default=0) + 1)
        self.analysis = self._validator.analyse(self)
        self._emit("reset")
        self._emit("validated", analysis=self.analysis)

    # -- plain data ------------------------------------------------------------
    def structure(self) -> dict[str, Any]:
        """Everything a person edits (no weights), as comparable plain data."""
        return {
            "name": self.name,
            "nodes": {
                i: (n.class_name, n.config, round(n.x, 3), round(n.y, 3), n.shares, n.note, n.color)
                for i, n in sorted(self.nodes.items())
            },
            "edges": sorted((e.source, e.target, e.port, e.source_port) for e in self.edges),
        }

    def _call_keys(self) -> dict[int, tuple[str, int]]:
        """node id -> (layer name, call number): a shared layer's calls are told apart by their order."""
        seen: dict[str, int] = {}
        keys = {}
        for node in self.nodes.values():
            keys[node.id] = (node.name, seen.get(node.name, 0))
            seen[node.name] = seen.get(node.name, 0) + 1
        return keys

    def layout_data(self) -> dict[str, Any]:
        """The canvas layout keyed by layer name and call (stored next to a saved model)."""
        keys = self._call_keys()
        return {
            "version": 1,
            "nodes": [
                {"name": n.name, "call": keys[n.id][1], "x": n.x, "y": n.y, "note": n.note, "color": n.color}
                for n in self.nodes.values()
            ],
        }

    def apply_layout(self, data: dict[str, Any]) -> bool:
        """Positions, notes and colours from ``layout_data``; True when every node got one."""
        entries = {(e.get("name"), int(e.get("call", 0))): e for e in data.get("nodes", []) if isinstance(e, dict)}
        placed = 0
        for node_id, key in self._call_keys().items():
            entry = entries.get(key)
            if entry is not None:
                node = self.nodes[node_id]
                node.x, node.y = float(entry.get("x", 0.0)), float(entry.get("y", 0.0))
                node.note = str(entry.get("note", ""))
                node.color = str(entry.get("color", ""))
                placed += 1
        return placed == len(self.nodes)

    def set_look(self, node_id: int, note: str, color: str) -> None:
        """A node's note and accent colour (layout only: the model does not change)."""
        node = self.nodes[node_id]
        node.note, node.color = note, color
        self._emit("node_changed", node=node)
