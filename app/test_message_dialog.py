"""A message node's "Send test…": asks where to, renders the node for the previewed contact and
sends it through the node's own connector, off the GUI thread; the status bar says what happened."""
from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit

from switchback.app.test_send import TestSend, handoff
from switchback.connectors import workspace as connectors
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.test_message import render_test

_last_address = ""           # the address a test went to last, offered again


def ask_and_send(window, workspace, journey: Journey, node_id: str, contact: dict) -> None:
    ask = QInputDialog(window)
    ask.setWindowTitle("Send test")
    ask.setLabelText(f"Send this message as {contact.get('email')} would get it, to:")
    ask.setTextEchoMode(QLineEdit.Normal)
    ask.setTextValue(_last_address)
    ask.textValueSelected.connect(lambda to: send(window, workspace, journey, node_id, contact, to.strip()))
    window.test_ask = ask
    ask.open()


def send(window, workspace, journey: Journey, node_id: str, contact: dict, to: str) -> None:
    global _last_address
    if not to:
        return
    try:
        message = render_test(journey, node_id, contact, to)
    except InputError as e:
        window.status.setText(f"Test not sent: {e}")
        return
    _last_address = to
    sender = connectors.sender_for(workspace.store)(message.channel, message.connector)
    if not getattr(sender, "external", True):      # the recorder of a workspace without connectors
        window.status.setText(f"Test not sent: this workspace has no connectors yet (Workspace › Connectors…), "
                              f"so a live run would only record this {message.channel} too.")
        return
    if not hasattr(window, "test_sending"):
        window.test_sending = TestSend(window)
        window.test_sending.finished.connect(lambda text: window.status.setText(f"Test {text[0].lower()}{text[1:]}"))
    window.status.setText(f"Sending a test {message.channel} to {to}…")
    window.test_sending.start(sender, handoff(message.channel, message.connector, to, message.payload))
