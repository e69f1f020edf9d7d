"""Joins a design document to the node canvas.

Document events redraw the canvas; canvas gestures become undo commands.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from app import catalog
from app.commands import AddNodeCommand, ConnectCommand, MoveCommand, RemoveCommand
from app.document import DesignDocument, DocNode, Edge
from app.layout import ROW_HEIGHT
from app.theme import GROUP_COLORS
from widgets import NodeCanvas, NodeSpec

_GROUPS: dict[str, str] = {}


def group_of(class_name: str) -> str:
    if not _GROUPS:
        _GROUPS.update({t.class_name: t.group for t in catalog.layer_types()})
    return _GROUPS.get(class_name, "Custom")


class CanvasController(QObject):
    """Keeps ``canvas`` drawing ``doc``; pushes every user edit onto ``stack``."""

    nodeCreated = Signal(int)  # noqa: N815

    def __init__(self, doc: DesignDocument, canvas: NodeCanvas, stack: QUndoStack) -> None:
        super().__init__(canvas)
        self.doc, self.canvas, self.stack = doc, canvas, stack
        self._specs: dict[int, NodeSpec] = {}
        doc.subscribe(self._on_event)
        canvas.connectRequested.connect(self.connect_ports)
        canvas.nodesMoved.connect(self._on_moved)
        canvas.deleteRequested.connect(self.delete)
        canvas.dropRequested.connect(self._on_drop)
        self.rebuild()

    # -- document -> canvas ------------------------------------------------------
    def rebuild(self) -> None:
        self.canvas.clear()
        self._specs.clear()
        for node in self.doc.nodes.values():
            self._draw_node(node, place=True)
        for edge in self.doc.edges:
            self._draw_edge(edge)

    def spec_for(self, node: DocNode) -> NodeSpec:
        owner = self.doc.nodes.get(node.shares, node) if node.shares is not None else node
        status = self.doc.analysis.status.get(node.id)
        calls = sum(1 for n in self.doc.nodes.values() if owner.id in (n.id, n.shares))
        shape = status.shape_text if status is not None else "…"
        params = status.params if status is not None else 0
        detail = catalog.key_settings(node.class_name, owner.config)
        shared = f"shared ×{calls}" if calls > 1 else ""  # noqa: RUF001
        tooltip = f"{owner.name} ({node.class_name})\nOutput: {shape}\nParameters: {params:,}"
        if node.note:
            tooltip += f"\n{node.note}"
        return NodeSpec(
            key=node.id,
            title=owner.name,
            subtitle=node.class_name,
            detail=detail,
            shape=shape,
            inputs=self.doc.input_port_count(node.id),
            outputs=len(status.shapes) if status is not None and status.shapes else 1,
            error=status.error if status is not None else None,
            muted=bool(status is not None and status.blocked),
            locked=not owner.trainable,
            accent=node.color or GROUP_COLORS.get(group_of(node.class_name), "#5b8def"),
            badge=" · ".join(part for part in (shared, "note" if node.note else "") if part),
            tooltip=tooltip,
        )

    def _draw_node(self, node: DocNode, place: bool = False) -> None:
        spec = self.spec_for(node)
        if not place and self._specs.get(node.id) == spec:
            return
        old_inputs = self._specs[node.id].inputs if node.id in self._specs else None
        self._specs[node.id] = spec
        if place:
            self.canvas.set_node(spec, node.x, node.y)
        else:
            self.canvas.set_node(spec)
        if old_inputs is not None and old_inputs != spec.inputs:
            for edge in self.doc.inbound(node.id):
                self._draw_edge(edge)

    def _draw_edge(self, edge: Edge) -> None:
        rank = [e for e in self.doc.inbound(edge.target)].index(edge)
        self.canvas.add_edge(edge, edge.source, edge.source_port, edge.target, rank)

    def _on_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "node_added":
            self._draw_node(payload["node"], place=True)
        elif kind == "node_removed":
            self._specs.pop(payload["node"].id, None)
            self.canvas.remove_node(payload["node"].id)
        elif kind == "node_moved":
            node = payload["node"]
            self.canvas.move_node(node.id, node.x, node.y)
        elif kind == "node_changed":
            self._draw_node(payload["node"])
        elif kind in ("edge_added", "edge_removed"):
            edge = payload["edge"]
            if edge.target in self.doc.nodes:
                self._draw_node(self.doc.nodes[edge.target])
            if kind == "edge_added":
                self._draw_edge(edge)
            else:
                self.canvas.remove_edge(edge)
            for other in self.doc.inbound(edge.target):  # merge inputs may have changed rank
                self._draw_edge(other)
        elif kind == "reset":
            self.rebuild()
            self.canvas.fit_all()
        elif kind == "validated":
            for node in self.doc.nodes.values():
                self._draw_node(node)

    # -- canvas -> commands ------------------------------------------------------
    def connect_ports(self, source: int, source_port: int, target: int, target_port: int) -> None:
        if source == target:
            return
        inbound = self.doc.inbound(target)
        port = inbound[target_port].port if target_port < len(inbound) else self.doc.free_port(target)
        edge = Edge(source, target, port, source_port)
        if edge in self.doc.edges:
            return
        self.stack.push(ConnectCommand(self.doc, edge))

    def _on_moved(self, moves: list[tuple[int, float, float, float, float]]) -> None:
        self.stack.push(MoveCommand(self.doc, moves))

    def delete(self, node_ids: list[int], edges: list[Edge] = ()) -> None:
        if node_ids or edges:
            self.stack.push(RemoveCommand(self.doc, list(node_ids), list(edges)))

    def _on_drop(self, payload: str, x: float, y: float) -> None:
        if catalog.layer_class(payload) is not None or payload == "InputLayer":
            self.add_layer(payload, x, y)

    def _downstream(self, start: int) -> list[int]:
        seen, stack = {start}, [start]
        while stack:
            for edge in self.doc.outbound(stack.pop()):
                if edge.target not in seen:
                    seen.add(edge.target)
                    stack.append(edge.target)
        return sorted(seen)

    def add_layer(self, class_name: str, x: float, y: float, after: int | None = None) -> DocNode:
        """Create a node (wired after node ``after`` when given) through one undo command."""
        node = self.doc.create_node(class_name, x, y)
        edges: list[Edge] = []
        replaced: list[Edge] = []
        moves: list[tuple[int, float, float, float, float]] = []
        if after is not None and after in self.doc.nodes and class_name != "InputLayer":
            edges.append(Edge(after, node.id, 0, 0))
            # insert between `after` and a single consumer, as designers do, making room below
            consumers = self.doc.outbound(after)
            if len(consumers) == 1:
                old = consumers[0]
                replaced.append(old)
                edges.append(Edge(node.id, old.target, old.port, 0))
                for moved in self._downstream(old.target):
                    other = self.doc.nodes[moved]
                    moves.append((moved, other.x, other.y, other.x, other.y + ROW_HEIGHT))
        self.stack.push(AddNodeCommand(self.doc, node, edges, replaced, moves))
        self.nodeCreated.emit(node.id)
        return self.doc.nodes[node.id]
