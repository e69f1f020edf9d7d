"""A form built from a schema: a list of field descriptions in, typed edits out.

Field dicts: ``key``, ``label``, ``kind`` (int, float, bool, choice, text, ints,
json), ``value``, and optionally ``choices``, ``minimum``, ``maximum``,
``nullable``. Text-like fields are checked as you type (red when they cannot be
parsed) and report on Enter or focus-out; the rest report at once.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)


class PropertyForm(QWidget):
    """Emits ``valueEdited(key, value)`` with parsed Python values."""

    valueEdited = Signal(str, object)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setObjectName("FormTitle")
        self.subtitle = QLabel()
        self.subtitle.setObjectName("FormSubtitle")
        self.subtitle.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("FormError")
        self.error.setWordWrap(True)
        self.error.hide()
        self._body = QWidget()
        self._form = QFormLayout(self._body)
        self._form.setContentsMargins(0, 0, 4, 0)
        self._form.setVerticalSpacing(6)
        self._form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.footer = QLabel()
        self.footer.setObjectName("FormFooter")
        self.footer.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.setSpacing(6)
        for widget in (self.title, self.subtitle, self.error):
            layout.addWidget(widget)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.footer)
        self.editors: dict[str, QWidget] = {}
        self._fields: dict[str, dict[str, Any]] = {}

    def set_schema(self, title: str, subtitle: str, fields: list[dict[str, Any]], footer: str = "") -> None:
        while self._form.rowCount():
            self._form.removeRow(0)
        self.editors.clear()
        self._fields = {f["key"]: f for f in fields}
        self.title.setText(title)
        self.subtitle.setText(subtitle)
        self.subtitle.setVisible(bool(subtitle))
        self.footer.setText(footer)
        self.set_error(None)
        for field in fields:
            editor = self._editor(field)
            editor.setObjectName(f"field_{field['key']}")
            editor.setToolTip(field["key"])
            self.editors[field["key"]] = editor
            editor.setMinimumHeight(26)
            editor.setMinimumWidth(90)
            editor.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
            self._form.addRow(field["label"], editor)
        rows = sum(
            max(editor.sizeHint().height(), 26) + self._form.verticalSpacing() for editor in self.editors.values()
        )
        self._body.setMinimumHeight(rows + 8)

    def set_footer(self, text: str) -> None:
        self.footer.setText(text)

    def set_error(self, message: str | None, key: str | None = None) -> None:
        """Show (or clear) a message; ``key`` marks that field invalid."""
        self.error.setText(message or "")
        self.error.setVisible(bool(message))
        for name, editor in self.editors.items():
            editor.setProperty("invalid", bool(message) and name == key)
            editor.style().unpolish(editor)
            editor.style().polish(editor)

    def clear(self, message: str = "") -> None:
        self.set_schema(message, "", [])

    # -- editors -------------------------------------------------------------
    def _editor(self, field: dict[str, Any]) -> QWidget:
        kind, key, value = field["kind"], field["key"], field.get("value")
        if kind == "bool":
            editor = QCheckBox()
            editor.setChecked(bool(value))
            editor.toggled.connect(lambda checked, k=key: self.valueEdited.emit(k, bool(checked)))
            return editor
        if kind == "int":
            editor = QSpinBox()
            nullable = field.get("nullable", False)
            low = field.get("minimum", -(2**31 - 1))
            editor.setRange(low - 1 if nullable else low, field.get("maximum", 2**31 - 1))
            if nullable:
                editor.setSpecialValueText("None")
            editor.setValue(editor.minimum() if value is None else int(value))
            editor.setKeyboardTracking(False)
            editor.valueChanged.connect(
                lambda v, k=key, e=editor, n=nullable: self.valueEdited.emit(k, None if n and v == e.minimum() else v)
            )
            return editor
        if kind == "float":
            editor = QDoubleSpinBox()
            editor.setDecimals(4)
            editor.setRange(field.get("minimum", -1e9), field.get("maximum", 1e9))
            editor.setSingleStep(0.05)
            editor.setValue(float(value or 0.0))
            editor.setKeyboardTracking(False)
            editor.valueChanged.connect(lambda v, k=key: self.valueEdited.emit(k, float(v)))
            return editor
        if kind == "choice":
            editor = QComboBox()
            editor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            editor.setMinimumContentsLength(6)
            choices = list(field.get("choices") or [])
            shown = value if isinstance(value, str) else json.dumps(value)
            if shown not in choices:
                choices.insert(0, shown)
            editor.addItems([c if c != "" else "(none)" for c in choices])
            editor.setCurrentIndex(choices.index(shown))
            editor.activated.connect(lambda index, k=key, c=choices: self.valueEdited.emit(k, _choice_value(c[index])))
            return editor
        editor = QLineEdit(_text_of(kind, value))
        editor.setCursorPosition(0)
        editor.textEdited.connect(lambda text, k=key, e=editor, kd=kind: self._check_text(e, kd, text))
        editor.editingFinished.connect(lambda k=key, e=editor, kd=kind: self._commit_text(k, e, kd))
        return editor

    def _check_text(self, editor: QLineEdit, kind: str, text: str) -> None:
        try:
            parse_text(kind, text)
            ok = True
        except ValueError:
            ok = False
        editor.setProperty("invalid", not ok)
        editor.style().unpolish(editor)
        editor.style().polish(editor)

    def _commit_text(self, key: str, editor: QLineEdit, kind: str) -> None:
        original = _text_of(kind, self._fields[key].get("value"))
        if editor.text() == original:
            return
        try:
            value = parse_text(kind, editor.text())
        except ValueError as error:
            self.set_error(str(error), key)
            return
        self._fields[key]["value"] = value
        self.valueEdited.emit(key, value)


def _choice_value(text: str) -> Any:
    if text.startswith(("{", "[")):
        return json.loads(text)
    return text


def _text_of(kind: str, value: Any) -> str:
    if kind == "ints":
        return ", ".join("None" if v is None else str(v) for v in (value or []))
    if kind == "json":
        return value if isinstance(value, str) else json.dumps(value)
    return "" if value is None else str(value)


def parse_text(kind: str, text: str) -> Any:
    """The value typed into a text-like field (ValueError with a readable message when it cannot be read)."""
    if kind == "ints":
        parts = [p.strip() for p in text.replace("(", "").replace(")", "").split(",") if p.strip()]
        try:
            return [None if p == "None" else int(p) for p in parts]
        except ValueError:
            raise ValueError(f"Expected whole numbers separated by commas, got {text!r}.") from None
    if kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"Not valid JSON: {error.msg}.") from None
    if kind == "text" and not text.strip():
        raise ValueError("This field cannot be empty.")
    return text.strip()
