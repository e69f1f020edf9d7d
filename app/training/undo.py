"""The undo command that puts a run's trained weights (and compile settings) into the design document."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from app.document import DesignDocument


class TrainWeightsCommand(QUndoCommand):
    """Puts trained weights (and compile settings) into the document; undo brings back the earlier ones."""

    FIELDS = ("training_config", "optimizer_state", "training_extras")

    def __init__(self, doc: DesignDocument, weights: dict[int, list[Any]], fields: dict[str, Any], text: str) -> None:
        super().__init__(text)
        self.doc = doc
        self.after = weights
        self.before = {node_id: doc.nodes[node_id].weights for node_id in weights}
        self.fields_after = fields
        self.fields_before = {name: getattr(doc, name, None) for name in self.FIELDS}

    def redo(self) -> None:
        for node_id, weights in self.after.items():
            self.doc.set_weights(node_id, weights)
        for name, value in self.fields_after.items():
            setattr(self.doc, name, value)

    def undo(self) -> None:
        for node_id, weights in self.before.items():
            self.doc.set_weights(node_id, weights)
        for name, value in self.fields_before.items():
            setattr(self.doc, name, value)
