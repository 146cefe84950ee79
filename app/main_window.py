"""The main window: the palette of node kinds, the canvas, and (as they land) inspector and problems."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon, QPainter
from PySide6.QtWidgets import QDockWidget, QGraphicsView, QMainWindow, QTreeWidget, QTreeWidgetItem

import nodes
from canvas.scene import JourneyScene
from nodes.registry import CATEGORIES
from resources import icon_path
from runtime.document import Journey


class MainWindow(QMainWindow):
    def __init__(self):
        super().__init__()
        self.setWindowTitle("Switchback")
        self.resize(1280, 800)
        self.view = QGraphicsView()
        self.view.setRenderHint(QPainter.Antialiasing)
        self.view.setAccessibleName("Journey canvas")
        self.setCentralWidget(self.view)
        self.palette_tree = QTreeWidget()
        self.palette_tree.setHeaderHidden(True)
        self.palette_tree.setAccessibleName("Node palette")
        groups = {c: QTreeWidgetItem(self.palette_tree, [c]) for c in CATEGORIES}
        for kind in nodes.kinds():
            item = QTreeWidgetItem(groups[kind.category], [kind.title])
            item.setIcon(0, QIcon(icon_path(kind.icon)))
            item.setToolTip(0, kind.help)
            item.setData(0, Qt.UserRole, kind.name)
        self.palette_tree.expandAll()
        dock = QDockWidget("Nodes", self)
        dock.setObjectName("palette")
        dock.setWidget(self.palette_tree)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.scene: JourneyScene | None = None

    def open_journey(self, journey: Journey) -> None:
        self.scene = JourneyScene(journey, self)
        self.view.setScene(self.scene)
        self.setWindowTitle(f"{journey.name} — Switchback")
