"""Simulation from the designer: pick contacts, days and sample events, run off the GUI thread with
progress (Cancel stops it), and hand the window a result it only has to show."""
from __future__ import annotations

import gc
import time
from datetime import datetime, timezone

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDateTimeEdit, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QHeaderView, QLabel, QProgressBar, QPushButton, QSpinBox,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from switchback.app.simulation_panel import Simulated, message_lines
from switchback.runtime import document
from switchback.runtime.contacts import read_contacts_csv, read_events_jsonl
from switchback.runtime.gc_pause import paused_gc
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.sample_events import Responses, Sample, generate, suggest
from switchback.runtime.simulation import Cancelled, simulate
from switchback.runtime.simulation_summary import summarise


class _Worker(QObject):
    progress = Signal(int)
    done = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, journey: Journey, contacts: list[dict], start: datetime, days: int,
                 samples: list[Sample], events_file: str | None):
        super().__init__()
        self.journey, self.contacts, self.start, self.days = journey, contacts, start, days
        self.samples, self.events_file = samples, events_file
        self.stop = False                      # set from the GUI thread; a plain flag is enough to be read here
        self._shown = 0.0

    def run(self) -> None:
        try:
            with paused_gc():
                events = (read_events_jsonl(self.events_file) if self.events_file
                          else generate(self.samples, self.contacts, self.start))
                result = simulate([self.journey], self.contacts, events, self.start, self.days, keep_timeline=True,
                                  progress=self._progress, responses=None if self.events_file else Responses(self.samples),
                                  cancelled=lambda: self.stop)
                summary = summarise(result, self.journey, events)
                lines, whom = message_lines(summary, self.journey)    # text made here, not on the GUI thread
                while result.timeline:             # summarised: let it go a contact at a time, never
                    result.timeline.popitem()      # holding the interpreter for long
                # What is left lives as long as the result is shown. Frozen before the collector
                # resumes, it is never walked again: a collection of the hundreds of thousands of
                # objects made here would hold the interpreter, and so the window, for 100 ms and
                # more. Freed objects still go by reference counting.
                gc.freeze()
        except Cancelled:
            self.cancelled.emit()
            return
        except InputError as e:
            self.failed.emit(str(e))
            return
        except Exception as e:                  # shown in the dialog; the designer stays up
            self.failed.emit(f"{type(e).__name__}: {e}")
            return
        self.done.emit(Simulated(result, summary, lines, whom))

    def _progress(self, fraction: float) -> None:
        # A signal from this thread makes the GUI thread wait for the interpreter each time:
        # hundreds a second starve the window, so at most ten.
        now = time.monotonic()
        if now - self._shown >= 0.1:
            self._shown = now
            self.progress.emit(int(fraction * 100))


class SimulateDialog(QDialog):
    finished_with = Signal(object)          # a Simulated

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
        self.samples = suggest([self.journey], workspace.contacts(limit=200))
        self.events_file: str | None = None
        self.table = self._samples_table()
        self.from_file = QPushButton("Use events from a file…")
        self.from_file.clicked.connect(self._pick_events)
        self.events_note = QLabel()
        self.events_note.setWordWrap(True)
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
        self.buttons.rejected.connect(self.cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel("<b>Sample events</b> — what the simulated contacts do; change the shares as you like:"))
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addWidget(self.from_file)
        row.addWidget(self.events_note, 1)
        layout.addLayout(row)
        layout.addWidget(self.note)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.resize(640, 480)
        self.thread: QThread | None = None
        self.worker: _Worker | None = None
        self._show_events_note()

    def _samples_table(self) -> QTableWidget:
        table = QTableWidget(len(self.samples), 2)
        table.setObjectName("sample-events")
        table.setHorizontalHeaderLabels(["Share", "What they do"])
        table.verticalHeader().hide()
        table.setSelectionMode(QAbstractItemView.NoSelection)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeToContents)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        for i, sample in enumerate(self.samples):
            share = QSpinBox(minimum=0, maximum=100, value=round(sample.share * 100), suffix=" %")
            share.setAccessibleName(f"Share: {sample.what()}")
            share.valueChanged.connect(lambda v, s=sample: setattr(s, "share", v / 100))
            table.setCellWidget(i, 0, share)
            text = QTableWidgetItem(("" if sample.responds else "of contacts ") + sample.what())
            text.setFlags(Qt.ItemIsEnabled)
            text.setToolTip(sample.describe())
            table.setItem(i, 1, text)
        if not self.samples:
            table.setRowCount(1)
            none = QTableWidgetItem("Nothing to supply: this journey does not start on or wait for an event.")
            none.setFlags(Qt.ItemIsEnabled)
            table.setItem(0, 1, none)
        return table

    def _pick_events(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Events", "", "Events (*.jsonl *.json)")
        self.use_events_file(path or None)

    def use_events_file(self, path: str | None) -> None:
        """Events from a JSONL file (SPEC section 4) in place of the samples; None goes back to them."""
        self.events_file = path
        self.table.setEnabled(path is None)
        self._show_events_note()

    def _show_events_note(self) -> None:
        self.events_note.setText(f"Using the events in {self.events_file}" if self.events_file
                                 else "or use the sample events above.")

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
        self.progress.setValue(0)
        start = self.start.dateTime().toPython().replace(tzinfo=timezone.utc)
        self.thread = QThread(self)
        self.worker = _Worker(self.journey, contacts, start, self.days.value(), self.samples, self.events_file)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress.setValue)
        self.worker.done.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)
        self.thread.start()

    def running(self) -> bool:
        return self.thread is not None and self.thread.isRunning()

    def cancel(self) -> None:
        """Cancel: stops a simulation under way (its result is dropped), else closes."""
        if self.running() and self.worker is not None:
            self.worker.stop = True
            self.note.setText("Stopping…")
            return
        self.reject()

    def reject(self) -> None:
        if self.running() and self.worker is not None:         # closed with the window's own button
            self.worker.stop = True
            self._stop()
        super().reject()

    def _done(self, simulated: Simulated) -> None:
        self._stop()
        self.progress.setValue(100)
        self.finished_with.emit(simulated)
        self.accept()

    def _cancelled(self) -> None:
        self._stop()
        super().reject()

    def _failed(self, message: str) -> None:
        self._stop()
        self.note.setText(f"The simulation stopped: {message}")
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)

    def _stop(self) -> None:
        if self.thread is not None:
            self.thread.quit()
            self.thread.wait()
            self.thread = None
