"""A searchable, grouped list of items that can be dragged out as mime data or double-clicked."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

MIME_TYPE = "application/x-strata-palette-item"
_NAME_ROLE = Qt.ItemDataRole.UserRole


class _Tree(QTreeWidget):
    def __init__(self, mime_type: str) -> None:
        super().__init__()
        self._mime_type = mime_type

    def mimeTypes(self) -> list[str]:  # noqa: N802 - Qt override
        return [self._mime_type]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # noqa: N802
        names = [item.data(0, _NAME_ROLE) for item in items if item.data(0, _NAME_ROLE)]
        return mime_data_for(names[0] if names else "", self._mime_type)


def mime_data_for(name: str, mime_type: str = MIME_TYPE) -> QMimeData:
    """The mime data a drag of entry ``name`` carries."""
    data = QMimeData()
    data.setData(mime_type, name.encode("utf-8"))
    data.setText(name)
    return data


class PaletteWidget(QWidget):
    """Entries ``(group, name, tooltip)`` shown under their group; a search box filters them."""

    activated = Signal(str)  # double-click or Enter on an entry

    def __init__(self, parent: QWidget | None = None, mime_type: str = MIME_TYPE) -> None:
        super().__init__(parent)
        self.mime_type = mime_type
        self.search = QLineEdit(placeholderText="Search layers…")
        self.search.setClearButtonEnabled(True)
        self.tree = _Tree(mime_type)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragDropMode.DragOnly)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._activate_first_visible)
        self.tree.itemActivated.connect(self._on_activated)

    def set_entries(self, entries: list[tuple[str, str, str]]) -> None:
        self.tree.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        for group, name, tooltip in entries:
            parent = groups.get(group)
            if parent is None:
                parent = QTreeWidgetItem([group])
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = parent.font(0)
                font.setBold(True)
                parent.setFont(0, font)
                self.tree.addTopLevelItem(parent)
                groups[group] = parent
            item = QTreeWidgetItem([name])
            item.setData(0, _NAME_ROLE, name)
            item.setToolTip(0, tooltip or name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled)
            parent.addChild(item)
        self.tree.expandAll()
        self.filter(self.search.text())

    def filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            group_hit = needle and needle in group.text(0).lower()
            visible = 0
            for j in range(group.childCount()):
                child = group.child(j)
                show = not needle or group_hit or needle in child.text(0).lower()
                child.setHidden(not show)
                visible += show
            group.setHidden(visible == 0)

    def visible_names(self) -> list[str]:
        names = []
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            names.extend(group.child(j).text(0) for j in range(group.childCount()) if not group.child(j).isHidden())
        return names

    def item_for(self, name: str) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).data(0, _NAME_ROLE) == name:
                    return group.child(j)
        return None

    def _on_activated(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, _NAME_ROLE)
        if name:
            self.activated.emit(name)

    def _activate_first_visible(self) -> None:
        names = self.visible_names()
        if names:
            self.activated.emit(names[0])
