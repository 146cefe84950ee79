"""Workspace › Sync contacts…: a CRM connector's sync with progress and a Cancel that keeps what
was fetched (each page is committed; the next sync resumes from there), then its activity (deals,
forms, deletions, merges); the sync log's lines, a record each the CRM sent out of shape, are shown
at the end."""
from __future__ import annotations

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog

from switchback.connectors import registry
from switchback.connectors.secrets import get_secret


class SyncThread(QThread):
    progress = Signal(int, int)              # done, total (0 when unknown)
    finished_with = Signal(str)              # what happened, in one line
    logged = Signal(list)                    # the sync log: one line per record not taken as it was

    def __init__(self, parent, store, name: str, kind: str, settings: dict):
        super().__init__(parent)
        self.store, self.name, self.kind, self.settings = store, name, kind, settings
        self.cancel_requested = False

    def run(self) -> None:
        from switchback.runtime import sync as crm
        spec = registry.get(self.kind)
        try:
            source = spec.source(self.name, spec.settings.model_validate(self.settings), lambda k: get_secret(self.name, k))
            result = crm.sync(self.store, self.name, source, progress=lambda done, total: self.progress.emit(done, total or 0),
                              cancelled=lambda: self.cancel_requested)
            activity = None
            if hasattr(source, "activity") and not result.cancelled:
                from switchback.runtime.crm_activity import sync_activity
                activity = sync_activity(self.store, self.name, source.activity(), cancelled=lambda: self.cancel_requested)
                result.cancelled = activity.cancelled
        except Exception as e:                     # one line in the dialog; nothing fetched is lost
            self.finished_with.emit(f"{self.name}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
            return
        state = "cancelled; the next sync resumes from here" if result.cancelled else "done"
        if activity is not None:
            from switchback.app.exchange_commands import activity_lines
            self.logged.emit(activity_lines(activity) + [f"conflict: {c}" for c in result.conflicts])
        self.finished_with.emit(f"{self.name}: {result.added} added, {result.updated} updated, "
                                f"{result.unchanged} unchanged ({state})")


def start_sync(window, name: str, kind: str, settings: dict) -> SyncThread:
    dialog = QProgressDialog(f"Syncing contacts from {name}…", "Cancel", 0, 0, window)
    dialog.setWindowTitle("Sync contacts")
    dialog.setMinimumDuration(0)
    thread = SyncThread(window, window.workspace.store, name, kind, settings)

    def moved(done: int, total: int) -> None:
        dialog.setMaximum(total)
        dialog.setValue(min(done, total) if total else 0)
        dialog.setLabelText(f"Syncing contacts from {name}: {done:,}" + (f" of {total:,}" if total else ""))

    def finished(text: str) -> None:
        dialog.reset()
        window.status.setText(text)
        window.last_sync = text

    def logged(lines: list) -> None:
        window.sync_log = lines
        if len(lines) > 1:                   # more than the summary: records the CRM sent out of shape
            box = QMessageBox(QMessageBox.Icon.Information, "Sync log", lines[0], QMessageBox.StandardButton.Close,
                              window)
            box.setInformativeText(f"{len(lines) - 1} line(s) in the sync log: each names a record the sync "
                                   f"kept as it could or skipped.")
            box.setDetailedText("\n".join(lines[1:]))
            window.sync_log_box = box
            box.open()                       # not modal: the window goes on

    thread.progress.connect(moved)
    thread.logged.connect(logged)
    thread.finished_with.connect(finished)
    dialog.canceled.connect(lambda: setattr(thread, "cancel_requested", True))
    window.sync_progress = dialog
    thread.start()
    return thread
