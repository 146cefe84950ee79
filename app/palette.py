"""The palette: node kinds by category, with search; drag one onto the canvas (or double-click)."""
from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDrag, QIcon
from PySide6.QtWidgets import QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from switchback import nodes
from switchback.canvas.scene import KIND_MIME
from switchback.nodes.registry import CATEGORIES
from switchback.resources import icon_path


class _Tree(QTreeWidget):
    def startDrag(self, actions) -> None:
        item = self.currentItem()
        kind = item.data(0, Qt.UserRole) if item else None
        if not kind:
            return
        mime = QMimeData()
        mime.setData(KIND_MIME, kind.encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.setPixmap(item.icon(0).pixmap(32, 32))
        drag.exec(Qt.CopyAction)


class Palette(QWidget):
    activated = Signal(str)          # a kind chosen by double-click or Enter

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.search = QLineEdit(placeholderText="Search nodes (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search nodes")
        self.tree = _Tree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setAccessibleName("Node palette")
        self.tree.setIndentation(12)
        self.groups = {c: QTreeWidgetItem(self.tree, [c]) for c in CATEGORIES}
        for group in self.groups.values():
            group.setFlags(Qt.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
        self.items: dict[str, QTreeWidgetItem] = {}
        for kind in nodes.kinds():
            item = QTreeWidgetItem(self.groups[kind.category], [kind.title])
            item.setIcon(0, QIcon(icon_path(kind.icon)))
            item.setToolTip(0, f"<b>{kind.title}</b><br>{kind.help}")
            item.setData(0, Qt.UserRole, kind.name)
            item.setData(0, Qt.AccessibleDescriptionRole, kind.help)
            self.items[kind.name] = item
        self.tree.expandAll()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self.search.textChanged.connect(self.filter)
        self.search.returnPressed.connect(self._first)
        self.tree.itemActivated.connect(lambda item, _: item.data(0, Qt.UserRole) and self.activated.emit(item.data(0, Qt.UserRole)))

    def filter(self, text: str) -> None:
        words = text.lower().split()
        for name, item in self.items.items():
            spec = nodes.get(name)
            hay = f"{spec.title} {spec.name} {spec.help} {spec.category} {spec.keywords}".lower()
            item.setHidden(not all(w in hay for w in words))
        for group in self.groups.values():
            group.setHidden(all(group.child(i).isHidden() for i in range(group.childCount())))

    def visible_kinds(self) -> list[str]:
        return [name for name, item in self.items.items() if not item.isHidden()]

    def _first(self) -> None:
        shown = self.visible_kinds()
        if shown:
            self.activated.emit(shown[0])
