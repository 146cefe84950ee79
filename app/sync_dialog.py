"""Workspace › Sync contacts…: a CRM connector's sync with progress and a Cancel that keeps what
was fetched (each page is committed; the next sync resumes from there)."""
from __future__ import annotations

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QProgressDialog

from switchback.connectors import registry
from switchback.connectors.secrets import get_secret


class SyncThread(QThread):
    progress = Signal(int, int)              # done, total (0 when unknown)
    finished_with = Signal(str)              # what happened, in one line

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
        except Exception as e:                     # one line in the dialog; nothing fetched is lost
            self.finished_with.emit(f"{self.name}: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
            return
        state = "cancelled; the next sync resumes from here" if result.cancelled else "done"
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

    thread.progress.connect(moved)
    thread.finished_with.connect(finished)
    dialog.canceled.connect(lambda: setattr(thread, "cancel_requested", True))
    window.sync_progress = dialog
    thread.start()
    return thread
