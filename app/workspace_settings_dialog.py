"""Workspace › Settings…: the workspace's time zone, quiet hours and frequency cap across all
journeys (what `switchback workspace set` sets), checked by runtime/workspace_settings; and the
event sources that may send events in, with their write keys (app/sources_section.py)."""
from __future__ import annotations

from zoneinfo import available_timezones

from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QSpinBox, QTimeEdit, QVBoxLayout, QWidget)

from switchback.app.sources_section import SourcesSection
from switchback.runtime import workspace_settings
from switchback.runtime.problems import InputError
from switchback.runtime.store.workspace import Store


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    line = QHBoxLayout(box)
    line.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        line.addWidget(w)
    line.addStretch()
    return box


class WorkspaceSettingsDialog(QDialog):
    def __init__(self, parent, store: Store):
        super().__init__(parent)
        self.setWindowTitle("Workspace settings")
        self.store = store
        self.zone = QComboBox()
        self.zone.setEditable(True)
        self.zone.addItems([""] + sorted(available_timezones()))
        self.zone.lineEdit().setPlaceholderText("UTC, for contacts without a time zone of their own")
        self.quiet = QCheckBox("No messages between")
        self.quiet_from, self.quiet_until = QTimeEdit(QTime(20, 0)), QTimeEdit(QTime(8, 0))
        for t in (self.quiet_from, self.quiet_until):
            t.setDisplayFormat("HH:mm")
        self.cap = QCheckBox("At most")
        self.cap_messages = QSpinBox(minimum=1, maximum=1000, value=3, suffix=" messages")
        self.cap_per = QLineEdit("7d")
        self.cap_per.setMaximumWidth(80)
        self.cap_per.setToolTip("A duration: 24h, 7d, 2w")
        self.private = QCheckBox("Webhook steps may call this machine and its own network")
        self.private.setToolTip("Off: a webhook step's own URL must reach a public address. A connector's URL is "
                                "yours to choose either way. Metadata and link-local addresses stay refused.")
        self.public = QLineEdit()
        self.public.setPlaceholderText("https://track.example.com (none: emails go untracked)")
        self.public.setToolTip("Where this workspace's intake server is reached from the internet (a reverse proxy or tunnel). "
                               "Set, every email's links, an open pixel and its unsubscribe address go through it.")
        self.note = QLabel()
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Time zone", self.zone)
        form.addRow("Quiet hours", _row(self.quiet, self.quiet_from, QLabel("and"), self.quiet_until))
        form.addRow("Frequency cap", _row(self.cap, self.cap_messages, QLabel("per"), self.cap_per))
        form.addRow("Webhooks", self.private)
        form.addRow("Public address", self.public)
        explain = QLabel("These hold for every journey in the workspace, on top of each journey's own. Quiet hours "
                         "are read in each contact's time zone; a message that falls in them waits until they end.")
        explain.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Close)
        buttons.button(QDialogButtonBox.Save).clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(explain)
        layout.addWidget(self.note)
        self.sources = SourcesSection(store)
        layout.addWidget(self.sources)
        layout.addWidget(buttons)
        self.resize(600, 520)
        self._load()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):      # Enter in a field saves nothing: only Save does
            return
        super().keyPressEvent(event)

    def _load(self) -> None:
        now = workspace_settings.read(self.store)
        self.zone.setCurrentText(now.timezone or "")
        self.quiet.setChecked(now.quiet_hours is not None)
        if now.quiet_hours:
            self.quiet_from.setTime(QTime.fromString(now.quiet_hours.start, "HH:mm"))
            self.quiet_until.setTime(QTime.fromString(now.quiet_hours.end, "HH:mm"))
        self.cap.setChecked(now.frequency_cap is not None)
        if now.frequency_cap:
            self.cap_messages.setValue(now.frequency_cap.messages)
            self.cap_per.setText(now.frequency_cap.per)
        self.private.setChecked(now.allow_private_webhooks)
        self.public.setText(now.public_url or "")

    def save(self) -> bool:
        typed = {
            "timezone": self.zone.currentText().strip(),
            "quiet_hours": (f"{self.quiet_from.time().toString('HH:mm')}-{self.quiet_until.time().toString('HH:mm')}"
                            if self.quiet.isChecked() else ""),
            "frequency_cap": f"{self.cap_messages.value()}/{self.cap_per.text().strip()}" if self.cap.isChecked() else "",
            "allow_private_webhooks": "true" if self.private.isChecked() else "false",
            "public_url": self.public.text().strip(),
        }
        try:
            values = {key: workspace_settings.parse(key, text) for key, text in typed.items()}
        except InputError as e:
            self.note.setText(f"Not saved: {e}")
            return False
        workspace_settings.write(self.store, values)
        self.note.setText("Saved. The scheduler uses them from its next round.")
        return True
