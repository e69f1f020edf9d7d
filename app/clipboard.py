"""Copy and paste of layers as plain JSON (works across documents and windows)."""

from __future__ import annotations

import json
from typing import Any

from app.document import DesignDocument, DocNode, Edge

FORMAT = "strata-layers/1"


def copy_nodes(doc: DesignDocument, node_ids: list[int]) -> str:
    """The selected nodes (configs, positions) and the edges among them, as JSON text."""
    chosen = [doc.nodes[i] for i in node_ids if i in doc.nodes]
    ids = {n.id for n in chosen}
    data = {
        "format": FORMAT,
        "nodes": [
            {
                "id": n.id,
                "class_name": n.class_name,
                "config": n.config,
                "x": n.x,
                "y": n.y,
                "shares": n.shares if n.shares in ids else None,
                "note": n.note,
                "color": n.color,
            }
            for n in chosen
        ],
        "edges": [
            [e.source, e.target, e.port, e.source_port] for e in doc.edges if e.source in ids and e.target in ids
        ],
    }
    return json.dumps(data)


def is_layers(text: str) -> bool:
    """Whether clipboard text holds layers copied from a Strata design."""
    if not text.startswith("{"):
        return False
    try:
        return json.loads(text).get("format") == FORMAT
    except (ValueError, AttributeError):
        return False


def paste_nodes(doc: DesignDocument, text: str, offset: float = 40.0) -> tuple[list[DocNode], list[Edge]]:
    """New nodes (fresh ids and unique names) and edges for ``text`` from ``copy_nodes``."""
    data: dict[str, Any] = json.loads(text)
    mapping: dict[int, int] = {}
    nodes: list[DocNode] = []
    taken: set[str] = set()
    for entry in data.get("nodes", []):
        config = dict(entry["config"])
        name = doc.unique_name(config.get("name", "layer"))
        while name in taken:
            name = f"{name}_copy"
        taken.add(name)
        config["name"] = name
        node = DocNode(doc.new_id(), entry["class_name"], config, entry["x"] + offset, entry["y"] + offset)
        node.note, node.color = str(entry.get("note", "")), str(entry.get("color", ""))
        mapping[entry["id"]] = node.id
        nodes.append(node)
    for entry, node in zip(data.get("nodes", []), nodes):
        if entry.get("shares") is not None:
            node.shares = mapping.get(entry["shares"])
    edges = [
        Edge(mapping[s], mapping[t], p, sp) for s, t, p, sp in data.get("edges", []) if s in mapping and t in mapping
    ]
    return nodes, edges
