"""Contacts › Enroll contacts who…: everyone meeting a condition enters a journey (what `switchback
enroll KEY --where CONDITION` does), the condition built in rows as in the inspector. It asks
first; the contacts are read and enrolled off the GUI thread (a workspace may hold many)."""
from __future__ import annotations

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QMessageBox, QPushButton,
                               QVBoxLayout)

from switchback.canvas.condition_builder import ConditionField, field_kinds
from switchback.runtime import contacts_directory as directory
from switchback.runtime.problems import InputError


class _Enroll(QThread):
    done = Signal(str)

    def __init__(self, parent, store, key: str, name: str, where: str, now):
        super().__init__(parent)
        self.store, self.key, self.name, self.where, self.now = store, key, name, where, now

    def run(self) -> None:
        try:
            n = directory.enroll(self.store, self.key, self.now, where=self.where)
            self.done.emit(f"{n:,} contact{'s' if n != 1 else ''} will enter {self.name} when the scheduler next runs."
                           if n else "No contact meets the condition: nobody was enrolled.")
        except InputError as e:
            self.done.emit(f"Nobody enrolled: {e.message if e.place == '--where' else e}")
        except Exception as e:                         # shown, not raised: the window stays up
            self.done.emit(f"Nobody enrolled: {type(e).__name__}: {e}")


class EnrollWhereDialog(QDialog):
    enrolled = Signal(str)

    def __init__(self, parent, workspace, names: dict[str, list[str]]):
        super().__init__(parent)
        self.setWindowTitle("Enroll contacts who…")
        self.workspace = workspace
        self.journey = QComboBox()
        self.journey.setObjectName("enroll-where-journey")
        for key, name in directory.enrollable(workspace.store):
            self.journey.addItem(name, key)
        self.condition = ConditionField(fields=names.get("field"), events=names.get("event"), kinds=field_kinds(names))
        self.condition.setObjectName("enroll-where")
        self.note = QLabel("Everyone who meets the condition enters the journey, as if enrolled one by one.")
        self.note.setWordWrap(True)
        self.note.setObjectName("enroll-where-note")
        form = QFormLayout()
        form.addRow("Journey", self.journey)
        form.addRow("Contacts who", self.condition)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        self.enroll_button = buttons.addButton("Enroll…", QDialogButtonBox.ActionRole)
        self.enroll_button.clicked.connect(self.ask)
        buttons.rejected.connect(self.reject)
        for button in self.findChildren(QPushButton) + buttons.buttons():
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addStretch()
        layout.addWidget(buttons)
        self.resize(620, 420)
        self.thread: QThread | None = None
        if not self.journey.count():
            self.enroll_button.setEnabled(False)
            self.note.setText("Publish a journey that starts with “Enrolled by hand” to enroll contacts in it.")

    def ask(self) -> None:
        where = self.condition.text().strip()
        if not where:
            self.note.setText("Add a condition first: who should enter?")
            return
        if problem := self.condition.problem():
            self.note.setText(f"The condition {problem}")
            return
        self.confirm = QMessageBox(QMessageBox.Question, "Enroll contacts",
                                   f"Enroll everyone who meets the condition in {self.journey.currentText()}?",
                                   QMessageBox.Cancel, self)
        self.confirm.setInformativeText(where)
        self.confirm.addButton("Enroll", QMessageBox.AcceptRole).clicked.connect(lambda: self._enroll(where))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def _enroll(self, where: str) -> None:
        self.enroll_button.setEnabled(False)
        self.note.setText("Enrolling…")
        self.thread = _Enroll(self, self.workspace.store, self.journey.currentData(), self.journey.currentText(), where,
                              self.workspace.now())
        self.thread.done.connect(self._done)
        self.thread.start()

    def _done(self, text: str) -> None:
        self.thread.wait()
        self.thread = None
        self.enroll_button.setEnabled(True)
        self.note.setText(text)
        self.enrolled.emit(text)

    def reject(self) -> None:
        if self.thread is not None:
            self.thread.wait()
        super().reject()
