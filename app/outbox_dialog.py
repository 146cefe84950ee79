"""Workspace › Messages that did not go out: failed and uncertain messages, with the provider's
reason, the contact and the journey step; what `trace` shows, for the whole workspace."""
from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout
from sqlalchemy import select

from runtime.store.models import Contact, OutboxRow

LIMIT = 1000


def undelivered(store) -> list[tuple]:
    with store.session() as s:
        q = (select(OutboxRow.at, Contact.email, OutboxRow.journey, OutboxRow.node, OutboxRow.channel,
                    OutboxRow.connector, OutboxRow.status, OutboxRow.attempts, OutboxRow.error)
             .join(Contact, Contact.id == OutboxRow.contact_id)
             .where(OutboxRow.status.in_(("failed", "uncertain", "pending")), OutboxRow.error.is_not(None))
             .order_by(OutboxRow.at.desc()).limit(LIMIT))
        return list(s.execute(q))


class OutboxDialog(QDialog):
    COLUMNS = ["When", "Contact", "Journey / step", "Channel", "Status", "Why"]

    def __init__(self, parent, workspace):
        super().__init__(parent)
        self.setWindowTitle("Messages that did not go out")
        self.resize(1000, 480)
        rows = undelivered(workspace.store)
        self.table = QTableWidget(len(rows), len(self.COLUMNS))
        self.table.setAccessibleName("Messages that did not go out")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        for i, r in enumerate(rows):
            status = {"pending": f"retrying (attempt {r.attempts})", "failed": "failed",
                      "uncertain": "uncertain: check before resending"}[r.status]
            for j, value in enumerate([f"{r.at:%Y-%m-%d %H:%M} UTC", r.email, f"{r.journey} › {r.node}",
                                       f"{r.channel} via {r.connector or '-'}", status, r.error or ""]):
                self.table.setItem(i, j, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setStretchLastSection(True)
        note = QLabel("Every message is here until it goes out; waiting ones are retried with backoff."
                      if rows else "Nothing is stuck: every message went out or is on its way.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
