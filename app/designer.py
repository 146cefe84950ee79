"""Starting the designer: the Qt application, the main window, the workspace it opens."""
from __future__ import annotations

import sys


def run_designer(journey_file: str | None = None, workspace: str | None = None, db: str | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow
    from runtime import document

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Switchback")
    window = MainWindow()
    if journey_file:
        window.open_journey(document.load(journey_file))
    window.show()
    return app.exec()
