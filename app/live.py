"""The designer runs the workspace while it is open (SPEC 9): the scheduler, the same code as
`switchback run`, on a worker thread, and the intake server once a source or `public_url` exists.
The status bar's words are read on a worker thread too; the GUI thread only sets the label.
File › Keep running in the background leaves both running when the window closes, with a tray icon
that brings the window back or quits."""
from __future__ import annotations

import threading
from datetime import datetime, timezone

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QMenu, QSystemTrayIcon

from switchback.runtime import live_status, workspace_settings
from switchback.runtime.clock import Clock, WallClock
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store.workspace import Store

REFRESH_MS = 2000
SYNC_EVERY_MINUTES = 15


def _wants_server(store: Store) -> bool:
    """A source of events or a public address: only then is there anyone to serve."""
    try:
        from switchback.runtime.sources import list_sources
    except ImportError:                    # a build without the intake server
        return False
    return bool(list_sources(store)) or workspace_settings.read(store).public_url is not None


class Live(QObject):
    """The scheduler and the intake server of one workspace, and the words saying what they do."""
    said = Signal(str)

    def __init__(self, store: Store, clock: Clock | None = None, sender_for=None, idle_sleep: float = 1.0,
                 serve: bool = True, host: str = "127.0.0.1", port: int = 8411):
        super().__init__()
        self.store, self.clock = store, clock or WallClock()
        self._sender_for, self.idle_sleep = sender_for, idle_sleep
        self._serve, self.host, self.port = serve, host, port
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._reading = threading.Lock()
        self.server = None
        self.error: str | None = None
        self.routine_failures: dict[str, str] = {}
        self.rounds = 0

    # --- running ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self.running:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="switchback-scheduler", daemon=True)
        self._thread.start()

    def _report(self, name: str, line: str, failed: bool) -> None:
        if failed:
            self.routine_failures[name] = line.partition(": ")[2] or line
        else:
            self.routine_failures.pop(name, None)

    def _run(self) -> None:
        try:
            from datetime import timedelta

            from switchback.connectors.routines import scheduled
            from switchback.connectors.workspace import sender_for
            if self._serve and _wants_server(self.store):
                from switchback.connectors.intake.server import IntakeServer
                self.server = IntakeServer(self.store, self.host, self.port)
                self.server.start()
            scheduler = Scheduler(self.store, self.clock, self._sender_for or sender_for(self.store))

            def tick(_):
                self.rounds += 1
            scheduler.run(stop=self._stopping.is_set, idle_sleep=self.idle_sleep, on_tick=tick,
                          routines=scheduled(self.store, timedelta(minutes=SYNC_EVERY_MINUTES), self._report))
        except Exception as e:             # said in the status bar; the window keeps working
            self.error = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}".rstrip(": ")

    def stop(self, wait: float = 10.0) -> None:
        """Stops the loop between rounds (a hand-off in progress finishes) and the server."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(wait)
        if self.server is not None:
            self.server.stop()
            self.server = None

    # --- what it says ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reads the status on a worker thread; `said` carries the words back to the GUI thread."""
        if not self._reading.acquire(blocking=False):
            return                         # the last read has not finished: skip this one
        threading.Thread(target=self._read, name="switchback-status", daemon=True).start()

    def _read(self) -> None:
        try:
            now = datetime.now(timezone.utc) if isinstance(self.clock, WallClock) else self.clock.now()
            status = live_status.read(self.store, now)
            for name, why in self.routine_failures.items():
                status.failing.setdefault(name, f"sync failing ({why})")
            text = live_status.words(status, now, self.running)
            if self.error:
                text = f"Stopped: {self.error}"
            elif self.server is not None and getattr(self.server, "url", None):
                text += f" · receiving events at {self.server.url}"
            self.said.emit(text)
        except Exception as e:
            self.said.emit(f"Could not read the workspace's status: {e}")
        finally:
            self._reading.release()


class LiveBar:
    """The window's part: a permanent status bar label, File › Keep running in the background and,
    when keep-running closes the window, the tray icon."""

    def __init__(self, window, live: Live, refresh_ms: int = REFRESH_MS):
        self.window, self.live = window, live
        self.label = QLabel("Starting the scheduler…")
        self.label.setObjectName("live-status")
        self.label.setAccessibleName("What the workspace is running")
        self.label.setContentsMargins(6, 0, 6, 0)
        rule = QFrame(frameShape=QFrame.VLine, frameShadow=QFrame.Sunken)     # apart from the window's own news
        window.statusBar().addPermanentWidget(rule)
        window.statusBar().addPermanentWidget(self.label)
        live.said.connect(self.label.setText, Qt.QueuedConnection)
        self.keep = QAction("Keep running in the background", window, checkable=True)
        self.keep.setObjectName("keep-running")
        self.keep.setToolTip("Closing the window leaves journeys running; the tray icon brings it back")
        file_menu = window.menuBar().actions()[0].menu()
        file_menu.insertAction(file_menu.actions()[-1], self.keep)     # just above Quit
        self.tray: QSystemTrayIcon | None = None
        self.timer = QTimer(window, interval=refresh_ms, timeout=live.refresh)
        live.start()
        live.refresh()
        self.timer.start()

    def close(self, event) -> bool:
        """The window's closeEvent asks first; True when the window only hid (keep-running)."""
        if self.keep.isChecked() and not getattr(self, "_quitting", False):
            self._show_tray()
            self.window.hide()
            event.ignore()
            return True
        self.timer.stop()
        self.live.stop()
        if self.tray is not None:
            self.tray.hide()
        return False

    def _show_tray(self) -> None:
        app = QApplication.instance()
        app.setQuitOnLastWindowClosed(False)
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window.windowIcon() or app.windowIcon(), self.window)
            self.tray.setToolTip("Switchback is running your journeys")
            menu = QMenu()
            menu.addAction("Show Switchback", self.show_window).setObjectName("tray-show")
            menu.addAction("Quit Switchback", self.quit).setObjectName("tray-quit")
            self.tray.setContextMenu(menu)
            self.tray.activated.connect(lambda reason: reason == QSystemTrayIcon.Trigger and self.show_window())
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray.show()

    def show_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def quit(self) -> None:
        """Stop the scheduler and the server, close the window for good and leave."""
        self._quitting = True
        self.window.close()
        QApplication.instance().quit()
