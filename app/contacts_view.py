"""Workspace › Contacts…: find a contact, read its timeline, see its consent and journeys, enroll
it in a journey or unsubscribe it; import a CSV with progress. It asks runtime/ for all of it."""
from __future__ import annotations

from html import escape

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QMessageBox, QProgressBar, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QVBoxLayout, QWidget)

from switchback.runtime import contacts_directory as directory
from switchback.runtime import erasure, journey_list
from switchback.runtime.contacts import read_contacts_csv
from switchback.runtime.problems import InputError, without_command
from switchback.runtime.store import repository as repo
from switchback.runtime.trace import timeline_rows

COLUMNS = ["Email", "Name", "Company", "Stage", "Email consent", "SMS consent", "In journeys"]
CHUNK = 500                              # contacts imported per transaction, so the bar moves


class _Import(QObject):
    progress = Signal(int)
    done = Signal(str)

    def __init__(self, store, path: str, now):
        super().__init__()
        self.store, self.path, self.now, self.stop = store, path, now, False

    def run(self) -> None:
        try:
            people = read_contacts_csv(self.path)          # all of it reads, or nothing is imported
            added = updated = 0
            for start in range(0, len(people), CHUNK):
                if self.stop:
                    self.done.emit(f"Import stopped: {added:,} added and {updated:,} updated before it.")
                    return
                with self.store.session() as s:
                    r = repo.import_contacts(s, people[start:start + CHUNK], self.now)
                added, updated = added + r.added, updated + r.updated
                self.progress.emit(int(100 * min(len(people), start + CHUNK) / max(1, len(people))))
            self.done.emit(f"Imported {self.path}: {added:,} added, {updated:,} updated.")
        except InputError as e:
            self.done.emit(f"Not imported: {e}")
        except Exception as e:                              # shown, not raised: the window stays up
            self.done.emit(f"Not imported: {type(e).__name__}: {e}")


class _Forget(QObject):
    """Erasing rewrites the workspace file (so the bytes are gone): off the GUI thread."""
    done = Signal(str)

    def __init__(self, store, email: str, by: str, now):
        super().__init__()
        self.store, self.email, self.by, self.now = store, email, by, now

    def run(self) -> None:
        try:
            erasure.erase(self.store, [self.email], self.by, self.now)
            self.done.emit(f"{self.email} is erased: its fields, events, steps and messages are gone. A later sync "
                           "or import brings it back only with new consent.")
        except InputError as e:
            self.done.emit(f"Not erased: {e}")
        except Exception as e:                              # shown, not raised: the window stays up
            self.done.emit(f"Not erased: {type(e).__name__}: {e}")


def _entry(row: tuple, names: dict[str, str]) -> str:
    """One step of the timeline: when and what on a line, where it happened beside (the journey and
    the node as the designer names them), the detail below."""
    at, where, what, detail = row
    journey, _, node = where.partition("/")
    where = names.get(journey, journey) + (f" › {names.get(where, node)}" if node else "")
    detail = escape(without_command(detail))
    return (f"<p style='margin:0 0 6px 0'><span style='color:#888'>{at:%Y-%m-%d %H:%M}</span>&nbsp; <b>{escape(what)}</b>"
            f" &nbsp;{escape(where)}" + (f"<br>&nbsp;&nbsp;&nbsp;{detail}" if detail else "") + "</p>")


def _names(store, rows: list[tuple]) -> dict[str, str]:
    """journey key -> its name, and journey/node -> the node's title, for the journeys in `rows`."""
    names: dict[str, str] = {}
    for key in {where.split("/")[0] for _, where, _, _ in rows if "/" in where}:
        try:
            journey = journey_list.draft(store, key)[0]
        except Exception:                       # a journey gone since: its key says enough
            continue
        names[key] = journey.name
        names.update({f"{key}/{n.id}": n.title for n in journey.nodes})
    return names


class ContactsView(QDialog):
    def __init__(self, parent, workspace):
        super().__init__(parent)
        self.setWindowTitle("Contacts")
        self.workspace = workspace
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find by address, name or company")
        self.search.setClearButtonEnabled(True)
        self.count = QLabel()
        self.consent = QComboBox()
        self.consent.setObjectName("filter-consent")
        for text, value in (("Any email consent", None), ("Subscribed", "subscribed"),
                            ("Unsubscribed", "unsubscribed"), ("Consent unknown", "unknown")):
            self.consent.addItem(text, value)
        self.in_journey = QComboBox()
        self.in_journey.setObjectName("filter-journey")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("contacts-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(False)
        self.heading = QLabel("Choose a contact to see its timeline.")
        self.heading.setWordWrap(True)
        self.history = QTextBrowser()
        self.history.setObjectName("contact-timeline")
        self.history.setOpenLinks(False)
        self.journey = QComboBox()
        self.journey.setObjectName("enroll-journey")
        self.enroll_button = QPushButton("Enroll")
        self.unsubscribe_button = QPushButton("Unsubscribe from email")
        self.forget_button = QPushButton("Forget…")
        self.forget_button.setToolTip("Erase this contact on its request: fields, events, steps and messages")
        self.import_button = QPushButton("Import CSV…")
        self.enroll_where_button = QPushButton("Enroll contacts who…")
        self.enroll_where_button.setToolTip("Enroll everyone who meets a condition in a journey")
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("contacts-note")

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.import_button)
        top.addWidget(self.enroll_where_button)
        lv.addLayout(top)
        filters = QHBoxLayout()
        filters.addWidget(self.count, 1)
        filters.addWidget(self.consent)
        filters.addWidget(self.in_journey)
        lv.addLayout(filters)
        lv.addWidget(self.table, 1)
        lv.addWidget(self.progress)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.heading)
        rv.addWidget(self.history, 1)
        actions = QHBoxLayout()
        actions.addWidget(QLabel("Enroll in"))
        actions.addWidget(self.journey, 1)
        actions.addWidget(self.enroll_button)
        rv.addLayout(actions)
        people = QHBoxLayout()
        people.addWidget(self.unsubscribe_button)
        people.addStretch(1)
        people.addWidget(self.forget_button)
        rv.addLayout(people)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([720, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(split, 1)
        layout.addWidget(self.note)
        self.resize(1200, 620)

        self._typed = QTimer(self, singleShot=True, interval=200)       # search once typing pauses
        self._typed.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._typed.start())
        self.consent.currentIndexChanged.connect(lambda _: self.refresh())
        self.in_journey.currentIndexChanged.connect(lambda _: self.refresh())
        self.table.itemSelectionChanged.connect(self._selected)
        self.enroll_button.clicked.connect(self.enroll)
        self.unsubscribe_button.clicked.connect(self.ask_unsubscribe)
        self.forget_button.clicked.connect(self.ask_forget)
        self.import_button.clicked.connect(self._pick_csv)
        self.enroll_where_button.clicked.connect(self.enroll_where)
        self.thread: QThread | None = None
        self._fill_journeys()
        self.refresh()

    # --- list ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """The search's contacts again, the one chosen kept chosen, its timeline read anew."""
        was = self.chosen() if hasattr(self, "rows") else None
        rows, total = directory.find(self.workspace.store, self.search.text(), consent=self.consent.currentData(),
                                     journey=self.in_journey.currentData())
        self.rows = rows
        self.table.blockSignals(True)
        self.table.setRowCount(len(rows))
        for r, c in enumerate(rows):
            for col, value in enumerate([c.email, c.name, c.company, c.stage, c.consent_email, c.consent_sms,
                                         ", ".join(c.journeys)]):
                self.table.setItem(r, col, QTableWidgetItem(value))
        self.table.clearSelection()
        for r, c in enumerate(rows):
            if c.email == was:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._selected()
        shown = f"{total:,} contact{'s' if total != 1 else ''}"
        self.count.setText(shown + (f" (the first {len(rows):,} shown; narrow the search)" if total > len(rows) else ""))

    def _fill_journeys(self) -> None:
        self.in_journey.blockSignals(True)
        self.in_journey.clear()
        self.in_journey.addItem("In any journey or none", None)
        for key, name in directory.journeys(self.workspace.store):
            self.in_journey.addItem(f"In {name}", key)
        self.in_journey.blockSignals(False)
        self.journey.clear()
        for key, name in directory.enrollable(self.workspace.store):
            self.journey.addItem(name, key)
        if not self.journey.count():
            self.journey.addItem("none published", None)
            self.journey.setToolTip("Publish a journey that starts with “Enrolled by hand” to enroll contacts here.")

    def chosen(self) -> str | None:
        row = self.table.currentRow()
        return self.rows[row].email if 0 <= row < len(self.rows) and self.table.selectedItems() else None

    def _selected(self) -> None:
        email = self.chosen()
        for w in (self.enroll_button, self.unsubscribe_button, self.forget_button):
            w.setEnabled(email is not None)
        self.enroll_button.setEnabled(email is not None and self.journey.currentData() is not None)
        if email is None:
            self.history.clear()
            self.heading.setText("Choose a contact to see its timeline.")
            return
        c = self.rows[self.table.currentRow()]
        self.heading.setText(f"<b>{c.name or c.email}</b> · {c.email} · email {c.consent_email}, SMS {c.consent_sms}")
        with self.workspace.store.session() as s:
            rows = timeline_rows(s, email) or []
        if rows:
            names = _names(self.workspace.store, rows)
            self.history.setHtml("".join(_entry(row, names) for row in rows))
        else:
            self.history.setPlainText("Nothing has happened to this contact yet.")

    # --- actions -----------------------------------------------------------------------------------
    def enroll(self) -> None:
        email, key = self.chosen(), self.journey.currentData()
        if email is None or key is None:
            return
        try:
            directory.enroll(self.workspace.store, key, self.workspace.now(), emails=[email])
        except InputError as e:
            self.note.setText(f"Not enrolled: {e}")
            return
        self.note.setText(f"{email} will enter {self.journey.currentText()} when the scheduler next runs.")

    def enroll_where(self) -> None:
        from switchback.app.enroll_where_dialog import EnrollWhereDialog
        self.where_dialog = EnrollWhereDialog(self, self.workspace, self.workspace.names())
        self.where_dialog.enrolled.connect(lambda text: (self.note.setText(text), self.refresh()))
        self.where_dialog.open()

    def ask_unsubscribe(self) -> None:
        email = self.chosen()
        if email is None:
            return
        self.confirm = QMessageBox(QMessageBox.Question, "Unsubscribe",
                                   f"Unsubscribe {email} from email? No journey sends it email again until its "
                                   "consent is given back.", QMessageBox.Cancel, self)
        self.confirm.addButton("Unsubscribe", QMessageBox.DestructiveRole).clicked.connect(
            lambda: self._unsubscribe(email))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def _unsubscribe(self, email: str) -> None:
        directory.unsubscribe(self.workspace.store, email, "email", self.workspace.now())
        self.note.setText(f"{email} is unsubscribed from email; every journey honours it from the scheduler's next round.")
        self._selected()

    def ask_forget(self) -> None:
        email = self.chosen()
        if email is None or self.thread is not None:
            return
        self.confirm = QMessageBox(QMessageBox.Warning, "Forget contact",
                                   f"Erase {email}? Its fields, events, steps and every message sent to it are "
                                   "deleted for good, and it leaves every journey. This cannot be undone.",
                                   QMessageBox.Cancel, self)
        self.confirm.addButton("Forget", QMessageBox.DestructiveRole).clicked.connect(lambda: self._forget(email))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def _forget(self, email: str) -> None:
        from switchback.runtime.store.versions import person
        self.note.setText(f"Erasing {email}…")
        self.thread = QThread(self)
        self.worker = _Forget(self.workspace.store, email, person(self.workspace.store.url), self.workspace.now())
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.done.connect(self._forgotten)
        self.thread.start()

    def _forgotten(self, text: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.thread = None
        self.note.setText(text)
        self.refresh()

    def _pick_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import contacts", "", "CSV (*.csv)")
        if path:
            self.import_csv(path)

    def import_csv(self, path: str) -> None:
        if self.thread is not None:
            return
        self.progress.setValue(0)
        self.progress.setVisible(True)
        self.import_button.setText("Stop import")
        self.import_button.clicked.disconnect()
        self.import_button.clicked.connect(lambda: setattr(self.worker, "stop", True))
        self.thread = QThread(self)
        self.worker = _Import(self.workspace.store, path, self.workspace.now())
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.progress.connect(self.progress.setValue)
        self.worker.done.connect(self._imported)
        self.thread.start()

    def importing(self) -> bool:
        return self.thread is not None

    def _imported(self, text: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.thread = None
        self.progress.setVisible(False)
        self.import_button.setText("Import CSV…")
        self.import_button.clicked.disconnect()
        self.import_button.clicked.connect(self._pick_csv)
        self.note.setText(text)
        self.refresh()

    def reject(self) -> None:
        if self.thread is not None:
            self.worker.stop = True
            self.thread.quit()
            self.thread.wait()
        super().reject()
