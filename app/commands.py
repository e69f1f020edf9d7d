"""Undo commands: the only code that edits a design document.

Each command changes the document, which notifies the views. Commands keep
plain copies of what they removed so that undo restores the exact document.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from app.document import DesignDocument, DocNode, Edge


class AddNodeCommand(QUndoCommand):
    """Add a node, optionally wired in with ``edges`` (and ``replaced`` edges taken out)."""

    def __init__(
        self,
        doc: DesignDocument,
        node: DocNode,
        edges: list[Edge] = (),
        replaced: list[Edge] = (),
        moves: list[tuple[int, float, float, float, float]] = (),
    ) -> None:
        super().__init__(f"Add {node.name}")
        self.doc, self.node = doc, node.copy()
        self.edges, self.replaced, self.moves = list(edges), list(replaced), list(moves)

    def redo(self) -> None:
        with self.doc.batch():
            for edge in self.replaced:
                self.doc.remove_edge(edge)
            for node_id, _, _, x, y in self.moves:
                self.doc.move_node(node_id, x, y)
            self.doc.add_node(self.node.copy())
            for edge in self.edges:
                self.doc.add_edge(edge)

    def undo(self) -> None:
        with self.doc.batch():
            self.doc.remove_node(self.node.id)
            for node_id, x, y, _, _ in self.moves:
                self.doc.move_node(node_id, x, y)
            for edge in self.replaced:
                self.doc.add_edge(edge)


class RemoveCommand(QUndoCommand):
    """Delete nodes (with their edges) and edges."""

    def __init__(self, doc: DesignDocument, node_ids: list[int], edges: list[Edge] = ()) -> None:
        nodes = [doc.nodes[i].copy() for i in node_ids if i in doc.nodes]
        # nodes that reuse a deleted layer go too
        shared = [n.copy() for n in doc.nodes.values() if n.shares in node_ids and n.id not in node_ids]
        nodes.extend(shared)
        ids = {n.id for n in nodes}
        touched = [e for e in doc.edges if e.source in ids or e.target in ids]
        extra = [e for e in edges if e in doc.edges and e not in touched]
        count = len(nodes)
        super().__init__(f"Delete {count} layer(s)" if count else f"Delete {len(extra)} connection(s)")
        self.doc, self.nodes, self.edges = doc, nodes, touched + extra

    def redo(self) -> None:
        with self.doc.batch():
            for edge in self.edges:
                if edge in self.doc.edges:
                    self.doc.remove_edge(edge)
            for node in self.nodes:
                self.doc.remove_node(node.id)

    def undo(self) -> None:
        with self.doc.batch():
            for node in self.nodes:
                self.doc.add_node(node.copy())
            for edge in self.edges:
                self.doc.add_edge(edge)


class ConnectCommand(QUndoCommand):
    """Connect an output to an input, replacing what the (single) input had."""

    def __init__(self, doc: DesignDocument, edge: Edge) -> None:
        super().__init__(f"Connect {doc.nodes[edge.source].name} → {doc.nodes[edge.target].name}")
        self.doc, self.edge = doc, edge
        self.replaced = [e for e in doc.edges if e.target == edge.target and e.port == edge.port and e != edge]

    def redo(self) -> None:
        with self.doc.batch():
            for edge in self.replaced:
                self.doc.remove_edge(edge)
            self.doc.add_edge(self.edge)

    def undo(self) -> None:
        with self.doc.batch():
            self.doc.remove_edge(self.edge)
            for edge in self.replaced:
                self.doc.add_edge(edge)


class ChangeConfigCommand(QUndoCommand):
    """Set the configs of one or more nodes (a property edit, freeze/unfreeze, rename)."""

    def __init__(self, doc: DesignDocument, changes: dict[int, dict[str, Any]], text: str = "Edit layer") -> None:
        super().__init__(text)
        self.doc = doc
        self.before = {i: copy.deepcopy(doc.nodes[i].config) for i in changes}
        self.after = {i: copy.deepcopy(c) for i, c in changes.items()}

    def _apply(self, configs: dict[int, dict[str, Any]]) -> None:
        with self.doc.batch():
            for node_id, config in configs.items():
                self.doc.set_config(node_id, config)

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


class MoveCommand(QUndoCommand):
    """Move nodes: ``moves`` are (id, old_x, old_y, new_x, new_y)."""

    def __init__(
        self, doc: DesignDocument, moves: list[tuple[int, float, float, float, float]], text: str = "Move"
    ) -> None:
        super().__init__(text)
        self.doc, self.moves = doc, list(moves)

    def redo(self) -> None:
        for node_id, _, _, x, y in self.moves:
            self.doc.move_node(node_id, x, y)

    def undo(self) -> None:
        for node_id, x, y, _, _ in self.moves:
            self.doc.move_node(node_id, x, y)


class SetLookCommand(QUndoCommand):
    """Change the note and/or colour of nodes: ``looks`` maps node id to (note, colour)."""

    def __init__(self, doc: DesignDocument, looks: dict[int, tuple[str, str]], text: str = "Edit note") -> None:
        super().__init__(text)
        self.doc = doc
        self.before = {i: (doc.nodes[i].note, doc.nodes[i].color) for i in looks}
        self.after = dict(looks)

    def redo(self) -> None:
        for node_id, (note, color) in self.after.items():
            self.doc.set_look(node_id, note, color)

    def undo(self) -> None:
        for node_id, (note, color) in self.before.items():
            self.doc.set_look(node_id, note, color)


class PasteCommand(QUndoCommand):
    """Insert several nodes and the edges among them (paste, duplicate)."""

    def __init__(self, doc: DesignDocument, nodes: list[DocNode], edges: list[Edge], text: str = "Paste") -> None:
        super().__init__(text)
        self.doc, self.nodes, self.edges = doc, [n.copy() for n in nodes], list(edges)

    def redo(self) -> None:
        with self.doc.batch():
            for node in self.nodes:
                self.doc.add_node(node.copy())
            for edge in self.edges:
                self.doc.add_edge(edge)

    def undo(self) -> None:
        with self.doc.batch():
            for node in self.nodes:
                self.doc.remove_node(node.id)
