"""Starting the designer: the Qt application, the workspace, the main window."""
from __future__ import annotations

import gc
import sys


def run_designer(journey_file: str | None = None, workspace: str | None = None, db: str | None = None,
                 check_startup: float | None = None) -> int:
    """`check_startup` (packaging smoke tests): print how long the window took to appear, stay open
    that many seconds, then quit."""
    import time
    started = time.perf_counter()
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Switchback")
    app.setOrganizationName("Switchback")
    from switchback.app.theme import apply_theme
    apply_theme(app)
    window = build_window(workspace, db)
    run_live(window)
    if journey_file:
        window.open_file(journey_file)
    window.show()
    if check_startup is not None:
        def shown() -> None:
            print(f"window shown in {(time.perf_counter() - started) * 1000:.0f} ms: {window.windowTitle()}", flush=True)
            QTimer.singleShot(int(check_startup * 1000), app.quit)
        QTimer.singleShot(0, shown)
    return app.exec()


def run_live(window) -> None:
    """The window runs its workspace (the scheduler, and the intake server when it has a use)."""
    from switchback.app.live import Live, LiveBar
    window.live = LiveBar(window, Live(window.workspace.store))


def build_window(workspace: str | None = None, db: str | None = None):
    """The main window on a workspace (the local default unless told), with something open."""
    from switchback.app.main_window import MainWindow
    from switchback.app.workspace import Workspace
    from switchback.runtime.store.workspace import default_path, open_store

    store = open_store(workspace, db)
    label = db.split("@")[-1] if db else str(workspace or default_path())
    ws = Workspace(store, label)
    opened = ws.seed_if_empty()
    window = MainWindow(ws, build_window)
    journeys = ws.journeys()
    if opened or journeys:
        window.open_key(opened or journeys[0].key)
    # What startup made (modules, widgets, the journey) lives as long as the window: moved out of the
    # collector's reach, a full collection on the GUI thread walks only what came after (ms, not 100+).
    gc.collect()
    gc.freeze()
    return window
