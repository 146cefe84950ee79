"""The designer runs the workspace while it is open (SPEC 9): `switchback run` (the scheduler, and the
intake server once a source or `public_url` exists) in a child process of the designer, so neither
its work nor its garbage collections ever hold the GUI thread (they share no interpreter lock). The
status bar's words are read on a worker thread; the GUI thread only sets the label. File › Keep
running in the background leaves it running when the window closes, with a tray icon that brings the
window back or quits."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import datetime, timezone

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QMenu, QSystemTrayIcon

from switchback.app.reader import Reader
from switchback.runtime import live_status, workspace_settings
from switchback.runtime.store.workspace import Store

REFRESH_MS = 2000
STOP_WAIT = 15.0         # seconds a stopping scheduler has to finish the hand-off in progress


def wants_server(store: Store) -> bool:
    """A source of events or a public address: only then is there anyone to serve."""
    try:
        from switchback.runtime.sources import list_sources
    except ImportError:                    # a build without the intake server
        return False
    return bool(list_sources(store)) or workspace_settings.read(store).public_url is not None


def command(store: Store, serve: bool) -> tuple[list[str], dict[str, str]]:
    """`switchback run` on this workspace, as this installation starts itself, and its environment.
    A database password goes to the child in PGPASSWORD (libpq reads it), never on its command line,
    where anyone on the machine could read it with ps."""
    from sqlalchemy.engine import URL, make_url

    from switchback.app.service import program
    env = dict(os.environ)
    if store.is_sqlite:
        where = ["--workspace", store.place]
    else:
        url = make_url(store.url)
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)
        bare = URL.create(url.drivername, url.username, None, url.host, url.port, url.database, url.query)
        where = ["--db", bare.render_as_string(hide_password=False)]
    return [*program(), "run", *(["--serve"] if serve else []), *where], env


class Live(QObject):
    """`switchback run` on one workspace beside the window, and the words saying what it does."""
    said = Signal(str)

    def __init__(self, store: Store, serve: bool | None = None):
        super().__init__()
        self.store, self._serve = store, serve
        self.process: subprocess.Popen | None = None
        self._log = None
        self._reader = Reader(self, "switchback-status")
        self._reading = False
        self.error: str | None = None

    # --- running ---------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        serve = wants_server(self.store) if self._serve is None else self._serve
        self._log = tempfile.TemporaryFile(mode="w+", prefix="switchback-run-")
        flags = subprocess.CREATE_NEW_PROCESS_GROUP if sys.platform == "win32" else 0
        argv, env = command(self.store, serve)
        self.process = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=self._log, creationflags=flags)
        self.error = None

    def stop(self, wait: float = STOP_WAIT) -> None:
        """Asks `run` to stop (SIGTERM: the hand-off in progress finishes), and waits for it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(wait)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def _exited(self) -> str | None:
        """Why the child stopped on its own, in its own last line."""
        if self.process is None or self.process.poll() is None:
            return None
        self._log.seek(0)
        lines = [line.strip() for line in self._log.read().splitlines() if line.strip()]
        return lines[-1] if lines else f"it exited with code {self.process.returncode}"

    # --- what it says ----------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reads the status on a worker thread; `said` carries the words back to the GUI thread."""
        if self._reading:
            return                         # the last read has not finished: skip this one
        self._reading = True
        self._reader.submit(self._read, self._said)

    def stop_reading(self) -> None:
        self._reader.stop()
        self._reading = False

    def _read(self) -> str:
        now = datetime.now(timezone.utc)
        text = live_status.words(live_status.read(self.store, now), now, self.running)
        stopped = self._exited()
        return f"The scheduler stopped: {stopped}" if stopped else text

    def _said(self, text: str | Exception) -> None:
        self._reading = False
        self.said.emit(text if isinstance(text, str) else f"Could not read the workspace's status: {text}")


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
        live.said.connect(self.label.setText)
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
        self.live.stop_reading()
        if self.tray is not None:
            self.tray.hide()
        return False

    def _show_tray(self) -> None:
        app = QApplication.instance()
        app.setQuitOnLastWindowClosed(False)
        if self.tray is None:
            self.tray = QSystemTrayIcon(self.window.windowIcon() or app.windowIcon(), self.window)
            self.tray.setToolTip("Switchback is running your journeys")
            self.tray_menu = QMenu(self.window)
            self.tray_menu.addAction("Show Switchback", self.show_window).setObjectName("tray-show")
            self.tray_menu.addAction("Quit Switchback", self.quit).setObjectName("tray-quit")
            self.tray.setContextMenu(self.tray_menu)
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
