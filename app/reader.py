"""Reads that must not hold the GUI thread, run one at a time on one long-lived thread.

The thread is started once, not per read: the window refreshes every few seconds, and starting a
thread makes the GUI thread wait until the new one runs. Nor does the thread ever call into Qt: it
puts each result on a queue that the GUI thread drains on a short timer while a read is out, so no
lock of Qt's is ever taken from a thread that holds Python's."""
from __future__ import annotations

import queue
import threading
from typing import Any, Callable

from PySide6.QtCore import QObject, QTimer

POLL_MS = 25


class Reader(QObject):
    def __init__(self, parent: QObject, name: str):
        super().__init__(parent)
        self.name = name
        self._jobs: queue.SimpleQueue = queue.SimpleQueue()
        self._done: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._out = 0
        self._poll = QTimer(self, interval=POLL_MS, timeout=self._drain)

    def submit(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """`work()` on the thread; `then(result)` on the GUI thread. `work` catches its own errors:
        what it raises is given to `then` as the exception."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, args=(self._jobs, self._done),
                                            name=self.name, daemon=True)
            self._thread.start()
        self._out += 1
        self._jobs.put((work, then))
        self._poll.start()

    def stop(self) -> None:
        """The thread ends after the read in progress; nothing more is handed back."""
        self._poll.stop()
        if self._thread is not None:
            self._jobs.put(None)
            self._thread = None
        self._jobs, self._done, self._out = queue.SimpleQueue(), queue.SimpleQueue(), 0

    @staticmethod
    def _run(jobs: queue.SimpleQueue, done: queue.SimpleQueue) -> None:
        while (job := jobs.get()) is not None:
            work, then = job
            try:
                result = work()
            except Exception as e:
                result = e
            done.put((then, result))

    def _drain(self) -> None:
        while True:
            try:
                then, result = self._done.get_nowait()
            except queue.Empty:
                break
            self._out -= 1
            then(result)
        if self._out <= 0:
            self._poll.stop()
