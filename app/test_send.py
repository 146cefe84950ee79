"""Sending one test message off the GUI thread: the connectors dialog's "Send test…" and a
message node's "Send test…" in the inspector (rendered for the previewed contact)."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from types import SimpleNamespace

from PySide6.QtCore import QObject, QThread, Signal

from switchback.runtime.outbox import PermanentFailure, TemporaryFailure


class _Send(QObject):
    done = Signal(str)

    def __init__(self, sender, message):
        super().__init__()
        self.sender, self.message = sender, message

    def run(self) -> None:
        try:
            self.sender.send(self.message)
            self.done.emit(f"Sent to {self.message.to}. Check that it arrived.")
        except (TemporaryFailure, PermanentFailure) as e:
            self.done.emit(f"Not sent: {e}")
        except Exception as e:                          # shown, not raised: the window stays up
            self.done.emit(f"Not sent: {type(e).__name__}: {e}")


def handoff(channel: str, connector: str | None, to: str, payload: dict) -> SimpleNamespace:
    """A test message in the shape senders are handed outbox rows (it never enters the outbox)."""
    return SimpleNamespace(id=0, key=f"test-{uuid.uuid4().hex}", channel=channel, connector=connector, to=to,
                           journey="test", node="test", contact_id=None, attempts=1, next_attempt=None,
                           at=datetime.now(timezone.utc), payload=payload)


class TestSend(QObject):
    """One send at a time; `finished` carries the line to show."""
    finished = Signal(str)

    def __init__(self, parent: QObject):
        super().__init__(parent)
        self.thread: QThread | None = None

    def busy(self) -> bool:
        return self.thread is not None

    def start(self, sender, message) -> None:
        self.thread = QThread(self)
        self.worker = _Send(sender, message)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.done.connect(self._done)
        self.thread.start()

    def _done(self, text: str) -> None:
        self.thread.quit()
        self.thread.wait()
        self.thread = None
        self.finished.emit(text)
