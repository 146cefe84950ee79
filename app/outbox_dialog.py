"""Workspace › Messages not gone out: every message still queued, being handed over, uncertain or
failed, with the reason, the contact and the journey step; a person resends or dismisses the
uncertain and failed ones (what `switchback outbox` does). The store is read and written off the
GUI thread: listing 10,000 messages takes longer than a frame."""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QThread, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QMessageBox, QPushButton, QTableView, QVBoxLayout)

from switchback.runtime import outbox_review as review
from switchback.runtime.problems import InputError, without_command

SHOWN = {"uncertain": "Uncertain", "failed": "Failed", "queued": "Queued", "sending": "Sending"}
ORDER = ("uncertain", "failed", "queued", "sending")         # what needs a person first


class _Job(QThread):
    done = Signal(object)
    failed = Signal(str)

    def __init__(self, parent, work: Callable[[], Any]):
        super().__init__(parent)
        self.work = work

    def run(self) -> None:
        try:
            self.done.emit(self.work())
        except InputError as e:                 # e.g. a message another worker took meanwhile
            self.failed.emit(str(e))
        except Exception as e:                  # shown in the dialog; the designer stays up
            self.failed.emit(f"{type(e).__name__}: {e}")


class MessagesModel(QAbstractTableModel):
    COLUMNS = ("Status", "Contact", "Journey", "Step", "Channel", "Since", "Why")

    def __init__(self):
        super().__init__()
        self.rows: list[review.Pending] = []

    def show(self, rows: list[review.Pending]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        r = self.rows[index.row()]
        if role in (Qt.DisplayRole, Qt.ToolTipRole):
            channel = r.channel + (f" via {r.connector}" if r.connector else "")
            return (SHOWN[r.status], r.contact, r.journey, r.label, channel, f"{r.since:%Y-%m-%d %H:%M} UTC",
                    without_command(r.reason))[index.column()]
        if role == Qt.FontRole and index.column() == 0 and r.status == "uncertain":
            font = QFont()
            font.setBold(True)
            return font
        return None


class OutboxDialog(QDialog):
    def __init__(self, parent, workspace):
        super().__init__(parent)
        self.setWindowTitle("Messages not gone out")
        self.resize(1100, 560)
        self.workspace = workspace
        self.job: _Job | None = None
        self.stale = False                      # the list changed since it was read
        self.confirm: QMessageBox | None = None
        intro = QLabel("<b>Uncertain</b>: its hand-off started and how it ended is not known, so it may have arrived. "
                       "Switchback never sends it again by itself. <b>Failed</b>: the provider refused it, or it was "
                       "tried too often. Resend hands either over again; Dismiss closes it for good. "
                       "Both are recorded in the contact's trace.")
        intro.setWordWrap(True)
        self.show_only = QComboBox()
        self.show_only.setAccessibleName("Show messages")
        self.show_only.currentIndexChanged.connect(lambda _: self.refresh())
        self.counts = QLabel()
        self.counts.setObjectName("outbox-counts")
        top = QHBoxLayout()
        top.addWidget(QLabel("Show"))
        top.addWidget(self.show_only)
        top.addWidget(self.counts, 1)
        self.model = MessagesModel()
        self.table = QTableView()
        self.table.setAccessibleName("Messages not gone out")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setWordWrap(False)
        rows = self.table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.Fixed)     # one height for all: 10,000 rows are not measured
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.Interactive)
        for h in (header, rows):                # widths from the rows in view, not from all of them
            h.setResizeContentsPrecision(0)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected_changed())
        self.detail = QLabel()
        self.detail.setObjectName("outbox-detail")
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.resend_button, self.dismiss_button = QPushButton("Resend…"), QPushButton("Dismiss…")
        self.resend_button.clicked.connect(lambda: self.ask("resend"))
        self.dismiss_button.clicked.connect(lambda: self.ask("dismiss"))
        refresh = QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        self.note = QLabel()
        self.note.setObjectName("outbox-note")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        actions = QHBoxLayout()
        for b in (self.resend_button, self.dismiss_button, refresh):
            b.setAutoDefault(False)             # Enter closes the dialog; it never starts a resend
            actions.addWidget(b)
        actions.addWidget(self.note, 1)
        actions.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(actions)
        self._fill_filter({s: 0 for s in ORDER})
        self._selected_changed()
        self.refresh()

    @property
    def busy(self) -> bool:
        return self.job is not None

    def _fill_filter(self, counts: dict[str, int]) -> None:
        chosen = self.show_only.currentData()
        self.show_only.blockSignals(True)
        self.show_only.clear()
        self.show_only.addItem(f"All ({sum(counts.values()):,})", None)
        for s in ORDER:
            self.show_only.addItem(f"{SHOWN[s]} ({counts[s]:,})", s)
        self.show_only.setCurrentIndex(max(0, self.show_only.findData(chosen)))
        self.show_only.blockSignals(False)

    def _run(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Run `work` off the GUI thread, then `then` with its result on it; one job at a time."""
        if self.job is not None:
            return
        self.job = _Job(self, work)
        self.job.done.connect(then)
        self.job.failed.connect(self.note.setText)
        self.job.finished.connect(self._job_over)
        for b in (self.resend_button, self.dismiss_button):
            b.setEnabled(False)
        self.job.start()

    def _job_over(self) -> None:
        self.job.deleteLater()
        self.job = None
        self._selected_changed()
        if self.stale:                          # after a resend or dismiss, whether it went through or not
            self.stale = False
            self.refresh()

    def refresh(self) -> None:
        if self.job is not None:                # read again once the running job ends
            self.stale = True
            return
        store, status = self.workspace.store, self.show_only.currentData()
        self._run(lambda: (review.pending_messages(store, status), review.counts(store)), self._loaded)

    def _loaded(self, result) -> None:
        rows, counts = result
        self.model.show(rows)
        self._fill_filter(counts)
        total = sum(counts.values())
        self.counts.setText("Nothing is waiting: every message has gone out or been closed." if not total else
                            ", ".join(f"{counts[s]:,} {s}" for s in ORDER if counts[s]))
        for column in range(len(MessagesModel.COLUMNS) - 1):    # "Why" takes the rest
            self.table.resizeColumnToContents(column)
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))

    def selected(self) -> list[review.Pending]:
        return [self.model.rows[i.row()] for i in self.table.selectionModel().selectedRows()]

    def _selected_changed(self) -> None:
        chosen = self.selected()
        reviewable = bool(chosen) and all(p.status in review.REVIEWABLE for p in chosen)
        for b in (self.resend_button, self.dismiss_button):
            b.setEnabled(reviewable and self.job is None)
        if len(chosen) == 1:
            p = chosen[0]
            self.detail.setText(f"Message {p.id}, {p.channel} '{p.label}' to {p.contact}: {p.reason}.")
        elif chosen and not reviewable:
            self.detail.setText("Only uncertain and failed messages can be resent or dismissed; queued and sending "
                                "ones are on their way.")
        else:
            self.detail.setText(f"{len(chosen)} messages selected." if chosen else
                                "Select messages to see why they have not gone out.")

    def ask(self, action: str) -> None:
        """Confirm before anything changes: resending an uncertain message may deliver it twice."""
        chosen = self.selected()
        if not chosen:
            return
        n = len(chosen)
        them = "it" if n == 1 else "them"
        uncertain = sum(1 for p in chosen if p.status == "uncertain")
        if action == "resend":
            title, verb = f"Resend {n} message{'s' if n != 1 else ''}?", "Resend"
            if n == 1:
                p = chosen[0]
                title = f"Resend {p.channel} '{p.label}' to {p.contact}?"
            if uncertain == n:
                text = f"{'It is' if n == 1 else 'They are'} uncertain: {them} may already have arrived, and " \
                       f"resending may deliver {them} twice. "
            elif uncertain:
                one = uncertain == 1
                text = f"{uncertain} of them {'is' if one else 'are'} uncertain: {'it' if one else 'those'} may " \
                       f"already have arrived, and resending may deliver {'it' if one else 'them'} twice. "
            else:
                text = ""
            text += f"Switchback hands {them} over again at the scheduler's next round."
        else:
            title, verb = f"Dismiss {n} message{'s' if n != 1 else ''}?", "Dismiss"
            if n == 1:
                title = f"Dismiss {chosen[0].channel} '{chosen[0].label}' to {chosen[0].contact}?"
            text = f"{them.capitalize()} will not be sent. You can still see {them} in each contact's trace."
        self.confirm = QMessageBox(QMessageBox.Warning if uncertain and action == "resend" else QMessageBox.Question,
                                   title, title, QMessageBox.Cancel, self)
        self.confirm.setInformativeText(text)
        self.confirm.setStyleSheet("QLabel#qt_msgbox_label, QLabel#qt_msgbox_informativelabel { min-width: 400px; }")
        go = self.confirm.addButton(verb, QMessageBox.AcceptRole)
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        go.clicked.connect(lambda: self.apply(action, [p.id for p in chosen]))
        self.confirm.open()

    def apply(self, action: str, ids: list[int]) -> None:
        store, who = self.workspace.store, self.workspace.user
        do = review.resend if action == "resend" else review.dismiss
        self.stale = True
        self._run(lambda: do(store, ids, who), lambda done: self._applied(action, done))

    def _applied(self, action: str, done: list[review.Pending]) -> None:
        n = len(done)
        them = "it" if n == 1 else "them"
        self.note.setText(f"{n} message{'s' if n != 1 else ''} " + (
            f"queued again: the scheduler hands {them} over at its next round." if action == "resend" else
            f"dismissed: {'it' if n == 1 else 'they'} will not be sent.") + " The contact's trace records it.")

    def done(self, result: int) -> None:
        if self.job is not None:                # queries are short: let the last one end first
            self.job.wait()
        super().done(result)
