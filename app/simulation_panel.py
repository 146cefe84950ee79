"""The Simulation panel: what a simulation found for the open journey — where contacts ended up at
each node, and the messages that would go out, with a filter; clicking a message shows that
contact's path on the canvas. Tens of thousands of messages show at once: the list is a model
over lines made off the GUI thread, and the filter only picks among them."""
from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QLineEdit, QListView, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from switchback.runtime.condition_form import words as condition_words
from switchback.runtime.document import Journey
from switchback.runtime.simulation import SimulationResult
from switchback.runtime.simulation_summary import OUTCOMES, JourneySummary

NO_MESSAGES = "No message would go out in this simulation."


@dataclass
class Simulated:
    """What the simulation dialog hands the window."""
    result: SimulationResult
    summary: JourneySummary
    lines: list[str]                    # one per summary.messages row
    contacts: list[str]                 # whom each line is about


def gist(payload: dict) -> str:
    """A message on one line: its subject, else its text, else (a webhook's body) its JSON."""
    said = payload.get("subject") or payload.get("body") or ""
    if not isinstance(said, str):
        said = json.dumps(said, ensure_ascii=False)
    said = " ".join(said.split())
    return said if len(said) <= 80 else said[:79] + "…"


def node_name(journey: Journey, node_id: str) -> str:
    node = journey.node(node_id)
    if node is None:
        return node_id
    return node.title


def message_lines(summary: JourneySummary, journey: Journey) -> tuple[list[str], list[str]]:
    """The messages list's lines, and whom each is about."""
    names: dict[str, str] = {}
    out = []
    for m in summary.messages:
        name = names.get(m.node) or names.setdefault(m.node, node_name(journey, m.node)[:24])
        to = f"to {m.to}  " if m.to else ""
        out.append(f"{m.at:%Y-%m-%d %H:%M} UTC  {m.channel:<7} {name:<24} {to}{gist(m.payload)}")
    return out, [m.contact for m in summary.messages]


class MessagesModel(QStringListModel):
    """The lines, held in Qt's own list model (a Python model is asked for its row count twice a
    row while the view lays out 50,000 of them), and which contact each shown line is about."""

    def __init__(self):
        super().__init__()
        self.lines: list[str] = []
        self.contacts: list[str] = []
        self.shown: list[int] = []
        self._lowered: list[str] | None = None

    def set_lines(self, lines: list[str], contacts: list[str]) -> None:
        self.lines, self.contacts, self._lowered = lines, contacts, None
        self.shown = list(range(len(lines)))
        self.setStringList(lines)

    def set_filter(self, text: str) -> None:
        needle = text.strip().lower()
        if not needle:
            self.shown = list(range(len(self.lines)))
            self.setStringList(self.lines)
            return
        if self._lowered is None:
            self._lowered = [line.lower() for line in self.lines]
        self.shown = [i for i, line in enumerate(self._lowered) if needle in line]
        self.setStringList([self.lines[i] for i in self.shown])

    def contact(self, row: int) -> str:
        return self.contacts[self.shown[row]] if 0 <= row < len(self.shown) else ""


def path_words(journey: Journey, path: list[str]) -> str:
    """A contact's way through the journey, each branch with the way it took: "Signed up → Score 50
    or more? no (score at least 50) → Nudge email"."""
    port_to = {}
    for e in journey.edges:
        port_to.setdefault((e.source, e.target), e.port or "next")
    parts = []
    for i, node_id in enumerate(path):
        said = node_name(journey, node_id)
        port = port_to.get((node_id, path[i + 1])) if i + 1 < len(path) else None
        if port is not None and port != "next":
            node = journey.node(node_id)
            when = node.config.get("when") if node is not None else None
            why = condition_words(when) if isinstance(when, str) and port in ("yes", "no") else None
            said += f" {port}" + (f" ({why})" if why else "")
        parts.append(said)
    return " → ".join(parts)


class SimulationPanel(QWidget):
    contact_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.heading = QLabel("Simulate the journey (Ctrl+R) to see who goes where and what would be sent.")
        self.heading.setObjectName("simulation-heading")
        self.heading.setWordWrap(True)
        self.path = QLabel()
        self.path.setObjectName("simulation-path")
        self.path.setWordWrap(True)
        self.path.hide()
        self.shown_journey: Journey | None = None
        self.paths: dict[str, list[str]] = {}
        self.nodes = QTableWidget(0, 2 + len(OUTCOMES))
        self.nodes.setObjectName("simulation-nodes")
        self.nodes.setHorizontalHeaderLabels(["Node", "Entered"] + [o.capitalize() for o in OUTCOMES])
        self.nodes.verticalHeader().hide()
        self.nodes.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.nodes.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.nodes.horizontalHeader().setSectionResizeMode(0, QHeaderView.Stretch)
        self.nodes.setWordWrap(False)
        self.nodes.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter messages: a contact, a node, words of a subject…")
        self.filter.setClearButtonEnabled(True)
        self.model = MessagesModel()
        self.messages = QListView()
        self.messages.setAccessibleName("Simulated messages")
        self.messages.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))     # the columns line up
        self.messages.setUniformItemSizes(True)              # rows all one height: no measuring 50,000 of them
        self.messages.setLayoutMode(QListView.Batched)       # and laid out a part at a time, between paints
        self.messages.setBatchSize(2000)
        self.messages.setModel(self.model)
        self.messages.clicked.connect(self._clicked)
        self.filter.textChanged.connect(self.model.set_filter)
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.filter)
        box.addWidget(self.messages)
        split = QSplitter()
        split.addWidget(self.nodes)
        split.addWidget(right)
        split.setSizes([480, 800])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.heading)
        layout.addWidget(self.path)
        layout.addWidget(split, 1)

    def show_summary(self, simulated: Simulated, journey: Journey) -> None:
        s = simulated.summary
        self.heading.setText(s.nobody or f"Simulated {s.contacts:,} contacts: {len(s.messages):,} messages from this "
                             f"journey" + (f" ({s.all_messages:,} in all)" if s.all_messages != len(s.messages) else "")
                             + (". Started by hand: here every contact is enrolled at the start; live, only those a "
                                "person or another journey enrolls" if s.by_hand else ""))
        self.shown_journey, self.paths = journey, s.paths
        self.path.hide()
        rows = [n for n in journey.nodes if s.entered.get(n.id) or s.outcomes.get(n.id)]
        self.nodes.setRowCount(len(rows))
        for c, outcome in enumerate(OUTCOMES, start=2):      # only the outcomes that happened take room
            self.nodes.setColumnHidden(c, not any(s.outcomes.get(n.id, {}).get(outcome) for n in rows))
        for r, n in enumerate(rows):
            counts = [s.entered.get(n.id, 0)] + [s.outcomes.get(n.id, {}).get(o, 0) for o in OUTCOMES]
            self.nodes.setItem(r, 0, QTableWidgetItem(node_name(journey, n.id)))
            for c, value in enumerate(counts, start=1):
                item = QTableWidgetItem(f"{value:,}" if value else "")
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.nodes.setItem(r, c, item)
        if simulated.lines:
            self.model.set_lines(simulated.lines, simulated.contacts)
        else:
            self.model.set_lines([s.nobody or NO_MESSAGES], [""])
        self.filter.clear()

    def clear(self) -> None:
        self.path.hide()
        self.nodes.setRowCount(0)
        self.model.set_lines([], [])
        self.heading.setText("Simulate the journey (Ctrl+R) to see who goes where and what would be sent.")

    def count(self) -> int:
        return self.model.rowCount()

    def line(self, row: int) -> str:
        return self.model.data(self.model.index(row), Qt.DisplayRole)

    def _clicked(self, index: QModelIndex) -> None:
        contact = self.model.contact(index.row())
        if contact:
            if self.shown_journey is not None and self.paths.get(contact):
                self.path.setText(f"{contact}: {path_words(self.shown_journey, self.paths[contact])}")
                self.path.show()
            self.contact_clicked.emit(contact)
