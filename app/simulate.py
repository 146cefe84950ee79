"""Simulation from the designer: pick contacts and days, run off the GUI thread with progress,
and hand the result to the window (counts on the canvas, the messages list, one contact's path)."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import (QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QLabel, QProgressBar, QSpinBox, QVBoxLayout)

from runtime import document
from runtime.contacts import read_contacts_csv
from runtime.document import Journey
from runtime.problems import InputError
from runtime.simulation import simulate


class _Worker(QObject):
    progress = Signal(int)
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, journey: Journey, contacts: list[dict], start: datetime, days: int):
        super().__init__()
        self.journey, self.contacts, self.start, self.days = journey, contacts, start, days

    def run(self) -> None:
        try:
            result = simulate([self.journey], self.contacts, [], self.start, self.days, keep_timeline=True,
                              progress=lambda f: self.progress.emit(int(f * 100)))
        except Exception as e:                  # shown in the dialog; the designer stays up
            self.failed.emit(f"{type(e).__name__}: {e}")
            return
        self.done.emit(result)


class SimulateDialog(QDialog):
    finished_with = Signal(object)

    def __init__(self, parent, journey: Journey, workspace):
        super().__init__(parent)
        self.setWindowTitle(f"Simulate {journey.name}")
        self.journey = document.loads(journey.dumps())          # a snapshot: editing goes on meanwhile
        self.workspace = workspace
        self.source = QComboBox()
        self.source.addItems(["Contacts in this workspace", "Contacts from a CSV file…"])
        self.days = QSpinBox(minimum=1, maximum=730, value=30, suffix=" days")
        self.start = QDateTimeEdit(datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
        self.start.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.progress = QProgressBar()
        self.progress.setAccessibleName("Simulation progress")
        self.note = QLabel("Nothing is sent: this runs the journey on a virtual clock.")
        self.note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Contacts", self.source)
        form.addRow("Run for", self.days)
        form.addRow("Starting", self.start)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Simulate")
        self.buttons.accepted.connect(self.run)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.thread: QThread | None = None

    def contacts(self) -> list[dict] | None:
        if self.source.currentIndex() == 0:
            return self.workspace.contacts()
        path, _ = QFileDialog.getOpenFileName(self, "Contacts", "", "CSV (*.csv)")
        if not path:
            return None
        try:
            return read_contacts_csv(path)
        except InputError as e:
            self.note.setText(str(e))
            return None

    def run(self, contacts: list[dict] | None = None) -> None:
        contacts = contacts if contacts is not None else self.contacts()
        if contacts is None:
            return
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(False)
        self.note.setText(f"Simulating {len(contacts):,} contacts…")
        start = self.start.dateTime().toPython().replace(tzinfo=timezone.utc)
        self.thread = QThread(self)
        self.worker = _Worker(self.journey, contacts, start, self.days.value())
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress.setValue)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.thread.start()

    def _done(self, result) -> None:
        self._stop()
        self.progress.setValue(100)
        self.finished_with.emit(result)
        self.accept()

    def _failed(self, message: str) -> None:
        self._stop()
        self.note.setText(f"The simulation stopped: {message}")
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)

    def _stop(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
