"""Automatic layered layout: inputs at the top, each layer one row below its deepest input.

Rows are ordered by the mean column of each node's parents (one barycentre
sweep), which keeps chains straight and skip connections short. Linear in the
size of the graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.validation import topological_order

if TYPE_CHECKING:
    from app.document import DesignDocument

ROW_HEIGHT = 135.0
COLUMN_WIDTH = 240.0


def layered_layout(doc: DesignDocument) -> dict[int, tuple[float, float]]:
    """node id -> (x, y) of the node's centre."""
    order, leftover = topological_order(doc)
    parents: dict[int, list[int]] = {n: [] for n in doc.nodes}
    for edge in doc.edges:
        parents[edge.target].append(edge.source)
    depth: dict[int, int] = {}
    for node_id in order + leftover:
        depth[node_id] = max((depth[p] + 1 for p in parents[node_id] if p in depth), default=0)
    rows: dict[int, list[int]] = {}
    for node_id in order + leftover:
        rows.setdefault(depth[node_id], []).append(node_id)
    column: dict[int, float] = {}
    positions: dict[int, tuple[float, float]] = {}
    for row in sorted(rows):
        members = rows[row]
        keyed = []
        for index, node_id in enumerate(members):
            known = [column[p] for p in parents[node_id] if p in column]
            keyed.append((sum(known) / len(known) if known else index, index, node_id))
        keyed.sort()
        width = len(keyed)
        for slot, (_, _, node_id) in enumerate(keyed):
            column[node_id] = slot - (width - 1) / 2
            positions[node_id] = (column[node_id] * COLUMN_WIDTH, row * ROW_HEIGHT)
    return positions
