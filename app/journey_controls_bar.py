"""Pause, Resume and Turn off… for the open published journey, in its History panel; each asks
first, says what it did, and shows in the history."""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QInputDialog, QMessageBox, QPushButton, QWidget

from switchback.runtime.problems import InputError

ASK = {
    "pause": ("Pause journey", "Pause {name}? None of its steps run and its messages wait in the outbox until you "
                               "resume it; nobody new enters meanwhile.", "Pause"),
    "resume": ("Resume journey", "Resume {name}? What fell due while it was stopped runs now, once, in order.",
               "Resume"),
    "turn off": ("Turn off journey", "Turn off {name}? Everyone on it leaves it now, with the reason in their "
                                     "timeline; its queued messages are not sent; nobody enters until it is turned "
                                     "on again.", "Turn off"),
}


class JourneyControls(QWidget):
    def __init__(self, window):
        super().__init__(window)
        self.window_ = window
        self.key: str | None = None
        self.buttons = {}
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for action, text in (("pause", "Pause"), ("resume", "Resume"), ("turn off", "Turn off…")):
            b = QPushButton(text)
            b.setObjectName(f"journey-{action.replace(' ', '-')}")
            b.clicked.connect(lambda _=False, a=action: self.ask(a))
            self.buttons[action] = b
            row.addWidget(b)

    def refresh(self, key: str | None, state: str | None, published: bool) -> None:
        """`state` live, paused or off; buttons only for a journey that has been published."""
        self.key = key
        self.setVisible(bool(key and published))
        self.buttons["pause"].setVisible(state == "live")
        self.buttons["turn off"].setVisible(state in ("live", "paused"))
        self.buttons["resume"].setVisible(state in ("paused", "off"))
        self.buttons["resume"].setText("Turn on" if state == "off" else "Resume")

    def ask(self, action: str) -> None:
        if self.key is None:
            return
        title, text, verb = ASK[action]
        name = self.window_.editor.journey.name if self.window_.editor else self.key
        self.confirm = QMessageBox(QMessageBox.Warning if action == "turn off" else QMessageBox.Question, title,
                                   text.format(name=name), QMessageBox.Cancel, self)
        self.confirm.addButton(verb, QMessageBox.DestructiveRole if action == "turn off" else QMessageBox.AcceptRole) \
            .clicked.connect(lambda: self.act(action))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def act(self, action: str, note: str | None = None) -> None:
        w = self.window_
        try:
            words = w.workspace.control(self.key, action, note)
        except InputError as e:
            w.status.setText(str(e))
            return
        w.status.setText(words)
        w.refresh_journeys()
