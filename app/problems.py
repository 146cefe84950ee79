"""The problems panel: what stands between this journey and publishing; click one to go there."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QStyle


def place(where: str, journey) -> str:
    """Where a problem is, as the canvas names it: the node's label (its kind's title if it has
    none), then its id in brackets only when the label alone does not say which card."""
    if where == "journey":
        return "Journey"
    if where.startswith("settings"):
        return "Settings"
    node = journey.node(where) if journey is not None else None
    if node is None:
        return where
    name = node.title
    same = sum(1 for n in journey.nodes if n.title == name)
    return name if same == 1 else f"{name} ({where})"


def line(problem, journey) -> str:
    """A problem as a person reads it: the node as its card names it, then the field by its title
    in the inspector ("Wait: Wait for: '2 days' is not a duration"), not `config.duration`."""
    message = problem.message
    node = journey.node(problem.where) if journey is not None and problem.where not in ("journey",) else None
    kind = node.declaration if node is not None else None
    if kind is not None and message.startswith("config."):
        name, _, rest = message[len("config."):].partition(": ")
        field = kind.config.model_fields.get(name.split(".")[0].split("[")[0])
        if field is not None and field.title and rest:
            message = f"{field.title}: {rest}"
    return f"{place(problem.where, journey)}: {message}"


class ProblemsPanel(QListWidget):
    node_clicked = Signal(str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setAccessibleName("Problems")
        self.itemClicked.connect(self._clicked)
        self.itemActivated.connect(self._clicked)

    def show_problems(self, problems: list, journey=None) -> None:
        """`journey` names the nodes by their labels, as the cards show them."""
        self.clear()
        if not problems:
            item = QListWidgetItem("No problems: this journey can be published.")
            item.setIcon(self.style().standardIcon(QStyle.SP_DialogApplyButton))
            item.setFlags(Qt.ItemIsEnabled)
            self.addItem(item)
            return
        for p in problems:
            item = QListWidgetItem(line(p, journey))
            item.setIcon(self.style().standardIcon(QStyle.SP_MessageBoxWarning))
            item.setData(Qt.UserRole, p.where)
            self.addItem(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        where = item.data(Qt.UserRole)
        if where:
            self.node_clicked.emit(where)
