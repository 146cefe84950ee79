"""Runs the workspace audit on a worker thread and reports the file it wrote."""
from __future__ import annotations

import tempfile
from pathlib import Path

from PySide6.QtCore import QThread, Signal


class AuditRunner(QThread):
    finished_with = Signal(str, str)          # path, error ("" when it worked)

    def __init__(self, parent, workspace, out: str | None = None):
        super().__init__(parent)
        self.workspace = workspace
        self.out = out or str(Path(tempfile.mkdtemp(prefix="switchback-audit-")) / "audit.html")

    def run(self) -> None:
        from switchback.runtime import audit
        try:
            report = audit.audit_workspace(self.workspace.store, self.workspace.contacts())
            path = audit.write_report(report, self.out)
        except Exception as e:                 # shown in the status bar; the designer stays up
            self.finished_with.emit("", f"{type(e).__name__}: {e}")
            return
        self.finished_with.emit(str(path), "")
