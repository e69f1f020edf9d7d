"""A list of problems; activating one reports the key it points at."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

_KEY_ROLE = Qt.ItemDataRole.UserRole


class ProblemsList(QListWidget):
    """``set_problems([(key or None, title, message)])``; a click emits ``problemActivated(key)``."""

    problemActivated = Signal(object)  # noqa: N815

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.itemClicked.connect(self._on_click)
        self.itemActivated.connect(self._on_click)

    def set_problems(self, problems: list[tuple[object, str, str]]) -> None:
        self.clear()
        for key, title, message in problems:
            item = QListWidgetItem(f"⚠ {title}: {message}" if title else f"⚠ {message}")
            item.setData(_KEY_ROLE, key)
            item.setToolTip(message)
            self.addItem(item)
        if not problems:
            item = QListWidgetItem("✓ No problems: the model is valid.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.addItem(item)

    def _on_click(self, item: QListWidgetItem) -> None:
        key = item.data(_KEY_ROLE)
        if key is not None:
            self.problemActivated.emit(key)
