"""Pause, Resume and Turn off… in the History panel of a published journey: each asks first, the
journeys list and the history show it, and the scheduler honours it."""
import json
from datetime import datetime, timezone

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from switchback.app.cli import main
from switchback.app.designer import build_window
from tests.gui.publishing import publish


def button(w, name) -> QPushButton:
    b = w.history.findChild(QPushButton, f"journey-{name}")
    assert b is not None
    return b


def confirm(w, qtbot, name, verb) -> None:
    b = button(w, name)
    assert b.isVisible()
    qtbot.mouseClick(b, Qt.LeftButton)
    next(x for x in w.history.controls.confirm.buttons() if x.text() == verb).click()


def test_pause_resume_and_turn_off_from_the_history_panel(qtbot, tmp_path):
    ws = str(tmp_path / "w.sqlite")
    w = build_window(workspace=ws)
    qtbot.addWidget(w)
    w.workspace.user = "ada"
    w.show()
    assert not w.history.controls.isVisible()                   # a draft never published: nothing to control
    publish(w)
    w.history.refresh()
    assert button(w, "pause").isVisible() and not button(w, "resume").isVisible()
    events = tmp_path / "signups.jsonl"
    now = datetime.now(timezone.utc).isoformat()
    emails = [c["email"] for c in w.workspace.contacts()]
    events.write_text("".join(json.dumps({"contact": e, "type": "signed_up", "at": now}) + "\n" for e in emails))
    assert main(["events", str(events), "--workspace", ws]) == 0
    assert main(["run", "--until-idle", "--sync-every", "0", "--workspace", ws]) == 0

    qtbot.mouseClick(button(w, "pause"), Qt.LeftButton)
    w.history.controls.confirm.button(QMessageBox.Cancel).click()
    assert w.workspace.controls("welcome-series")[0] == "live"          # cancelled: nothing done
    confirm(w, qtbot, "pause", "Pause")
    assert w.status.text().startswith("Paused: 7 contacts wait where they are")
    assert any("· paused" in w.journeys.item(i).text() for i in range(w.journeys.count()))
    assert w.history.list.topLevelItem(0).text(0) == "Paused" and w.history.list.topLevelItem(0).text(2) == "ada"
    assert "It is paused" in w.history.state.text()
    assert button(w, "resume").isVisible() and not button(w, "pause").isVisible()

    confirm(w, qtbot, "resume", "Resume")
    assert w.status.text().startswith("Running again: 7 contacts go on")
    confirm(w, qtbot, "turn-off", "Turn off")
    assert w.status.text().startswith("Turned off: 7 contacts left it")
    assert [w.history.list.topLevelItem(i).text(0) for i in range(3)] == ["Turned off", "Resumed", "Paused"]
    assert button(w, "resume").text() == "Turn on"
    w.history.list.topLevelItem(0).setSelected(True)
    assert w.history._chosen() == []                                    # a control row is not a version
