"""Joins the property form to the selected node(s): a form from the layer's config schema, edits as undo commands."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QUndoStack

from app import catalog
from app.commands import ChangeConfigCommand
from app.document import DesignDocument
from widgets import PropertyForm


class InspectorController(QObject):
    """Shows the selection in ``form``; every accepted value becomes a ChangeConfigCommand."""

    def __init__(self, doc: DesignDocument, form: PropertyForm, stack: QUndoStack) -> None:
        super().__init__(form)
        self.doc, self.form, self.stack = doc, form, stack
        self.selection: list[int] = []
        self._shown: Any = None
        form.valueEdited.connect(self._on_edit)
        doc.subscribe(self._on_event)
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self.refresh)
        self.refresh()

    def show(self, node_ids: list[int]) -> None:
        self.selection = [i for i in node_ids if i in self.doc.nodes]
        self.refresh()

    def _owner(self, node_id: int) -> int:
        node = self.doc.nodes[node_id]
        return node.shares if node.shares is not None and node.shares in self.doc.nodes else node_id

    def refresh(self) -> None:
        self.selection = [i for i in self.selection if i in self.doc.nodes]
        if not self.selection:
            self._show_model()
            return
        if len(self.selection) > 1:
            frozen = all(not self.doc.nodes[self._owner(i)].trainable for i in self.selection)
            self.form.set_schema(
                f"{len(self.selection)} layers selected",
                "Settings shared by the selection.",
                [{"key": "trainable", "label": "Trainable", "kind": "bool", "value": not frozen}],
            )
            self._shown = ("many", tuple(self.selection))
            return
        node_id = self._owner(self.selection[0])
        node = self.doc.nodes[node_id]
        fields = catalog.schema_for(node.class_name, node.config)
        shown = ("one", node_id, repr(node.config))
        status = self.doc.analysis.status.get(self.selection[0])
        footer = self._footer(status)
        if shown == self._shown:
            self.form.set_footer(footer)
        else:
            subtitle = node.class_name + (
                " · shared layer"
                if self.selection[0] != node_id or any(n.shares == node_id for n in self.doc.nodes.values())
                else ""
            )
            self.form.set_schema(node.name, subtitle, fields, footer)
            self._shown = shown
        if status is not None and status.error:
            self.form.set_error(status.error)

    @staticmethod
    def _footer(status: Any) -> str:
        if status is None:
            return ""
        frozen = status.params - status.trainable_params
        lines = [f"Output shape: {status.shape_text}", f"Parameters: {status.params:,}"]
        if frozen:
            lines.append(f"Non-trainable: {frozen:,}")
        return "\n".join(lines)

    def _show_model(self) -> None:
        total, trainable = self.doc.analysis.totals
        footer = f"{len(self.doc.nodes)} layers · {total:,} parameters ({trainable:,} trainable)"
        stateful = [n.name for n in self.doc.nodes.values() if n.config.get("stateful")]
        subtitle = "Select a layer to edit its settings."
        fields: list[dict[str, Any]] = [
            {"key": "model_name", "label": "Model name", "kind": "text", "value": self.doc.name}
        ]
        if stateful:
            subtitle += f"\nStateful layers ({', '.join(stateful)}) need a fixed batch size."
            sizes = {(n.config.get("batch_input_shape") or [None])[0] for n in self._inputs()}
            fields.append(
                {"key": "model_batch_size", "label": "Batch size (required)", "kind": "int", "nullable": True,
                 "minimum": 1, "maximum": 1_000_000, "value": sizes.pop() if len(sizes) == 1 else None}
            )  # fmt: skip
        self.form.set_schema("Model", subtitle, fields, footer)
        self._shown = ("model",)

    # -- edits ---------------------------------------------------------------------
    def _on_edit(self, key: str, value: Any) -> None:
        if key == "model_name":
            self.doc.name = str(value)
            return
        if key == "model_batch_size":
            changes = {
                n.id: catalog.apply_field("InputLayer", n.config, "batch_size", value)
                for n in self._inputs()
                if (n.config.get("batch_input_shape") or [None])[0] != value
            }
            if changes:
                self.stack.push(ChangeConfigCommand(self.doc, changes, f"Set batch size {value}"))
            return
        if len(self.selection) > 1:
            self.set_trainable(self.selection, bool(value))
            return
        if not self.selection:
            return
        node_id = self._owner(self.selection[0])
        node = self.doc.nodes[node_id]
        if key == "name":
            clash = self.doc.node_by_name(value)
            if clash is not None and clash.id != node_id:
                self.form.set_error(f"A layer named '{value}' already exists: layer names must be unique.", key)
                return
        new = catalog.apply_field(node.class_name, node.config, key, value)
        try:
            config = catalog.canonical_config(node.class_name, new)
        except Exception as error:  # noqa: BLE001 - the engine's message is shown in the form
            self.form.set_error(str(error), key)
            return
        self.form.set_error(None)
        self.stack.push(ChangeConfigCommand(self.doc, {node_id: config}, f"Set {key} of {node.name}"))

    def _inputs(self) -> list:
        return [n for n in self.doc.nodes.values() if n.class_name == "InputLayer"]

    def set_trainable(self, node_ids: list[int], trainable: bool) -> None:
        """Freeze (False) or unfreeze (True) the layers of ``node_ids`` in one undo step."""
        changes = {}
        for node_id in {self._owner(i) for i in node_ids if i in self.doc.nodes}:
            node = self.doc.nodes[node_id]
            if node.class_name != "InputLayer" and node.trainable != trainable:
                changes[node_id] = {**node.config, "trainable": trainable}
        if changes:
            verb = "Unfreeze" if trainable else "Freeze"
            self.stack.push(ChangeConfigCommand(self.doc, changes, f"{verb} {len(changes)} layer(s)"))

    def _on_event(self, kind: str, payload: dict[str, Any]) -> None:
        if kind in ("validated", "reset", "node_removed"):
            self._refresh_timer.start()
