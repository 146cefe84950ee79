"""The designer runs the workspace while it is open (SPEC 9): `switchback run` works beside the GUI
thread, in its own process (a due email reaches an SMTP server on 127.0.0.1 while the window is open), the status bar says what
is running, keep-running leaves it all running when the window closes, and the GUI thread never
stalls while the scheduler works."""
import json
import os
import time
from datetime import datetime, timezone

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication

from switchback.app.cli import main
from switchback.app.designer import build_window, run_live
from tests.connectors.servers import FakeSMTP

THANKS = {
    "format": "switchback.journey/1", "key": "thanks", "name": "Thanks",
    "nodes": [{"id": "form", "kind": "trigger.event", "config": {"event": "form_submitted"}},
              {"id": "mail", "kind": "action.email", "config": {"connector": "mail", "subject": "Thanks, {{ contact.first_name }}",
                                                               "body": "Here it is."}},
              {"id": "later", "kind": "wait.delay", "config": {"duration": "3d"}},
              {"id": "again", "kind": "action.email", "config": {"connector": "mail", "subject": "Still there?", "body": "."}}],
    "edges": [{"from": "form", "to": "mail"}, {"from": "mail", "to": "later"}, {"from": "later", "to": "again"}],
}


def workspace(tmp_path, people: int, connector_port: int | None = None) -> str:
    ws = str(tmp_path / "w.sqlite")
    rows = "".join(f"p{i}@shop.test,P{i},subscribed\n" for i in range(people))
    (tmp_path / "people.csv").write_text("email,first_name,consent_email\n" + rows)
    (tmp_path / "thanks.journey.json").write_text(json.dumps(THANKS))
    now = datetime.now(timezone.utc).isoformat()
    (tmp_path / "form.jsonl").write_text("".join(
        json.dumps({"contact": f"p{i}@shop.test", "type": "form_submitted", "at": now}) + "\n" for i in range(people)))
    assert main(["import", str(tmp_path / "people.csv"), "--workspace", ws]) == 0
    if connector_port is not None:
        assert main(["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set",
                     f"port={connector_port}", "--set", "from=news@shop.test", "--set", "tls=none", "--workspace", ws]) == 0
    else:
        assert main(["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", "port=1",
                     "--set", "from=news@shop.test", "--set", "tls=none", "--workspace", ws]) == 0
    assert main(["publish", str(tmp_path / "thanks.journey.json"), "--workspace", ws]) == 0
    return ws


def live_window(qtbot, ws: str):
    w = build_window(workspace=ws)
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):                                   # its first paint is not the scheduler's work
        w.show()
    run_live(w)
    return w


def test_the_open_window_sends_a_due_email_from_a_worker_thread_and_says_so(qtbot, tmp_path, test_keyring):
    with FakeSMTP() as smtp:
        ws = workspace(tmp_path, 1, smtp.port)
        assert main(["events", str(tmp_path / "form.jsonl"), "--workspace", ws]) == 0
        w = live_window(qtbot, ws)
        child = w.live.live.process
        assert child.pid != os.getpid() and child.args[child.args.index("run") - 1:][:2] == ["switchback.app", "run"]
        qtbot.waitUntil(lambda: len(smtp.received) == 1, timeout=20000)
        assert smtp.received[0].message["Subject"] == "Thanks, P0"
        qtbot.waitUntil(lambda: "next step in 3 days" in w.live.label.text(), timeout=10000)
        text = w.live.label.text()
        assert text.startswith("Running · 1 journey live · 1 contact waiting · next step in 3 days · 1 event in the last hour"), text
        assert "failing" not in text
        w.close()
        assert not w.live.live.running and child.returncode == 0       # closed without keep-running: stopped


def test_a_failing_sender_is_named_in_the_status_bar(qtbot, tmp_path, test_keyring):
    ws = workspace(tmp_path, 1)                                # port 1: nothing listens there
    assert main(["events", str(tmp_path / "form.jsonl"), "--workspace", ws]) == 0
    w = live_window(qtbot, ws)
    qtbot.waitUntil(lambda: "mail failing:" in w.live.label.text(), timeout=20000)
    assert "next send in" in w.live.label.text()             # the message waits for its next attempt
    w.close()


def test_keep_running_hides_the_window_and_the_tray_brings_it_back_or_quits(qtbot, tmp_path, test_keyring):
    ws = workspace(tmp_path, 1)
    w = live_window(qtbot, ws)
    keep = w.findChild(type(w.live.keep), "keep-running")
    assert keep is w.live.keep and keep.isCheckable() and not keep.isChecked()
    assert keep in w.menuBar().actions()[0].menu().actions()
    keep.trigger()
    w.close()
    assert not w.isVisible() and w.live.live.running           # hidden, still running its journeys
    assert w.live.tray is not None
    actions = {a.objectName(): a for a in w.live.tray.contextMenu().actions()}
    actions["tray-show"].trigger()
    assert w.isVisible()
    quit_seen = []
    QApplication.instance().aboutToQuit.connect(lambda: quit_seen.append(1))
    actions["tray-quit"].trigger()
    assert not w.isVisible() and not w.live.live.running       # quit: the scheduler stopped
    QApplication.instance().setQuitOnLastWindowClosed(True)


def test_the_gui_thread_never_stalls_while_the_scheduler_works(qtbot, tmp_path, test_keyring):
    ws = workspace(tmp_path, 3000)                              # recorded, not sent: a connector that fails
    assert main(["events", str(tmp_path / "form.jsonl"), "--workspace", ws]) == 0
    gaps, clock = [], QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def beat():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
    timer = QTimer(interval=5, timeout=beat)
    timer.start()
    w = live_window(qtbot, ws)
    w.live.timer.setInterval(100)                                # status reads often, beside the work
    last[0] = clock.elapsed()
    gaps.clear()
    started = time.monotonic()
    qtbot.waitUntil(lambda: "3,000 contacts waiting" in w.live.label.text(), timeout=120000)
    worked = time.monotonic() - started
    timer.stop()
    w.close()
    print(f"scheduler worked {worked:.1f} s; GUI thread's longest gap {max(gaps)} ms over {len(gaps)} beats")
    assert worked > 0.3 and len(gaps) > 20
    assert max(gaps) < 50
