"""A small search popup (opened with Tab on the canvas) that picks one name from a list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QVBoxLayout, QWidget


class QuickAddPopup(QFrame):
    """Type to filter, Enter or click to choose; Escape closes."""

    chosen = Signal(str)

    def __init__(self, names: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("QuickAddPopup")
        self.names = list(names)
        self.search = QLineEdit(placeholderText="Add layer…")
        self.list = QListWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.list)
        self.resize(260, 320)
        self.search.textChanged.connect(self._filter)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(lambda item: self._choose(item.text()))
        self.list.itemClicked.connect(lambda item: self._choose(item.text()))
        self._filter("")

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        self.list.clear()
        starts = [n for n in self.names if n.lower().startswith(needle)]
        contains = [n for n in self.names if needle in n.lower() and n not in starts]
        self.list.addItems(starts + contains)
        if self.list.count():
            self.list.setCurrentRow(0)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802, ANN001
        if isinstance(event, QKeyEvent) and event.type() == QKeyEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                item = self.list.currentItem()
                if item is not None:
                    self._choose(item.text())
                return True
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up):
                step = 1 if event.key() == Qt.Key.Key_Down else -1
                self.list.setCurrentRow(max(0, min(self.list.count() - 1, self.list.currentRow() + step)))
                return True
        return super().eventFilter(watched, event)

    def _choose(self, name: str) -> None:
        self.close()
        self.chosen.emit(name)
