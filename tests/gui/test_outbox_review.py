"""Workspace › Messages not gone out, driven through its widgets: the list with reasons, Resend and
Dismiss for uncertain and failed messages after a confirmation, counts refreshed, the trace written."""
import sqlite3
from datetime import datetime, timezone

import pytest
from PySide6.QtCore import QItemSelectionModel
from PySide6.QtWidgets import QMessageBox

from switchback.app.designer import build_window
from tests.connectors.servers import FakeSMTP
from tests.support import outbox_scene


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    with FakeSMTP() as server:
        yield outbox_scene.build(tmp_path_factory.mktemp("scene"), server)


def opened(qtbot, ws):
    w = build_window(workspace=ws)
    qtbot.addWidget(w)
    w.outbox_dialog()                            # as Workspace › Messages not gone out… does
    d = w.dialog
    qtbot.waitUntil(lambda: not d.busy, timeout=10000)
    return w, d


def row_of(d, message_id):
    return next(i for i, p in enumerate(d.model.rows) if p.id == message_id)


def select(d, *ids):
    d.table.clearSelection()
    for i in ids:
        d.table.selectionModel().select(d.model.index(row_of(d, i), 0),
                                        QItemSelectionModel.Select | QItemSelectionModel.Rows)


def status(ws, message_id):
    with sqlite3.connect(ws) as c:
        return c.execute("SELECT status FROM outbox WHERE id = ?", (message_id,)).fetchone()[0]


def shown(d, row):
    return [d.model.index(row, c).data() for c in range(d.model.columnCount())]


def test_resend_and_dismiss_after_a_confirmation_and_the_counts_follow(qtbot, scene, tmp_path):
    ws = scene.copy(tmp_path)
    w, d = opened(qtbot, ws)
    ids = scene.ids
    assert d.model.rowCount() == 4 and d.counts.text() == "1 uncertain, 1 failed, 1 queued, 1 sending"
    assert [d.show_only.itemText(i) for i in range(d.show_only.count())] == \
        ["All (4)", "Uncertain (1)", "Failed (1)", "Queued (1)", "Sending (1)"]
    assert shown(d, row_of(d, ids["uncertain"]))[:6] == ["Uncertain", "cy@shop.test", "welcome", "Welcome email",
                                                          "email via mail", shown(d, 0)[5]]
    assert "550 5.1.1" in shown(d, row_of(d, ids["failed"]))[6]

    select(d, ids["queued"], ids["uncertain"])       # a queued message is on its way: nothing to decide
    assert not d.resend_button.isEnabled() and not d.dismiss_button.isEnabled()
    assert d.detail.text().startswith("Only uncertain and failed messages can be resent or dismissed")

    select(d, ids["uncertain"], ids["failed"])
    d.resend_button.click()
    assert d.confirm.text() == "Resend 2 messages?"
    assert d.confirm.informativeText().startswith("1 of them is uncertain: it may already have arrived, and resending "
                                                  "may deliver it twice.")
    d.confirm.button(QMessageBox.Cancel).click()

    select(d, ids["uncertain"])
    assert d.resend_button.isEnabled() and "It may have arrived: check before resending" in d.detail.text()
    d.resend_button.click()
    assert d.confirm.isVisible() and d.confirm.text() == "Resend email 'Welcome email' to cy@shop.test?"
    assert "may already have arrived, and resending may deliver it twice" in d.confirm.informativeText()
    d.confirm.button(QMessageBox.Cancel).click()
    assert status(ws, ids["uncertain"]) == "uncertain" and not d.busy

    d.resend_button.click()
    next(b for b in d.confirm.buttons() if b.text() == "Resend").click()
    qtbot.waitUntil(lambda: not d.busy and d.counts.text() == "1 failed, 2 queued, 1 sending", timeout=10000)
    assert status(ws, ids["uncertain"]) == "pending" and d.show_only.itemText(1) == "Uncertain (0)"
    assert shown(d, row_of(d, ids["uncertain"]))[0] == "Queued"     # still to go out, now due
    assert d.note.text().startswith("1 message queued again")

    select(d, ids["failed"])
    d.dismiss_button.click()
    assert d.confirm.text() == "Dismiss email 'Welcome email' to bob@shop.test?" and "will not be sent" in d.confirm.informativeText()
    next(b for b in d.confirm.buttons() if b.text() == "Dismiss").click()
    qtbot.waitUntil(lambda: not d.busy and d.model.rowCount() == 3, timeout=10000)
    assert status(ws, ids["failed"]) == "dismissed" and d.counts.text() == "2 queued, 1 sending"

    with sqlite3.connect(ws) as c:
        trace = c.execute("SELECT what, detail FROM steps WHERE what IN ('resent', 'dismissed') ORDER BY id").fetchall()
    assert trace == [("resent", f"email 'Welcome email' (message {ids['uncertain']}) resent by {w.workspace.user} "
                                "after it was left uncertain"),
                     ("dismissed", f"email 'Welcome email' (message {ids['failed']}) dismissed by {w.workspace.user} "
                                   "after it failed; it will not be sent")]
    d.show_only.setCurrentIndex(d.show_only.findData("queued"))
    qtbot.waitUntil(lambda: not d.busy, timeout=10000)
    assert [p.id for p in d.model.rows] == [ids["queued"], ids["uncertain"]]


def test_a_message_that_changed_meanwhile_is_refused_in_one_line_and_the_list_is_read_again(qtbot, scene, tmp_path):
    ws = scene.copy(tmp_path)
    _, d = opened(qtbot, ws)
    select(d, scene.ids["failed"])
    d.dismiss_button.click()
    with sqlite3.connect(ws) as c:                   # `switchback outbox resend` from a terminal, meanwhile
        c.execute("UPDATE outbox SET status = 'pending' WHERE id = ?", (scene.ids["failed"],))
    next(b for b in d.confirm.buttons() if b.text() == "Dismiss").click()
    qtbot.waitUntil(lambda: not d.busy and d.counts.text() == "1 uncertain, 2 queued, 1 sending", timeout=10000)
    assert d.note.text() == (f"message {scene.ids['failed']}: is queued, not uncertain or failed; only those can be "
                             "dismissed")
    assert status(ws, scene.ids["failed"]) == "pending"


def test_ten_thousand_messages_are_read_off_the_gui_thread(qtbot, tmp_path):
    from switchback.runtime.store import bulk
    from switchback.runtime.store.models import Contact, OutboxRow
    from switchback.runtime.store.workspace import Store
    ws = str(tmp_path / "w.sqlite")
    store = Store(f"sqlite:///{ws}")
    now = datetime.now(timezone.utc)
    with store.session() as s:
        bulk.insert(s, Contact.__table__, [(i, f"c{i}@shop.test", {}, [], {}, 0, now, now) for i in range(1, 10_001)],
                    ("id", "email", "fields", "timers", "history", "admitted", "created_at", "updated_at"))
        bulk.insert(s, OutboxRow.__table__, [(f"k{i}", i, "j", "n", "email", None, {}, now, "failed", 8, "refused")
                                             for i in range(1, 10_001)],
                    ("key", "contact_id", "journey", "node", "channel", "connector", "payload", "at", "status",
                     "attempts", "error"))
    store.close()
    w = build_window(workspace=ws)
    qtbot.addWidget(w)
    w.outbox_dialog()
    d = w.dialog
    assert d.busy and d.model.rowCount() == 0         # the dialog is up before the list is read
    qtbot.waitUntil(lambda: not d.busy, timeout=30000)
    assert d.model.rowCount() == 10_000 and d.counts.text() == "10,000 failed"


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_the_filled_list_and_its_confirmation_fit_and_cut_no_text(qtbot, scene, tmp_path, monkeypatch, size, theme):
    from PySide6.QtWidgets import QApplication

    from switchback.app.theme import apply_theme
    from tests.gui.test_no_clipping import clipped
    monkeypatch.setenv("SWITCHBACK_THEME", theme)
    apply_theme(QApplication.instance())
    _, d = opened(qtbot, scene.copy(tmp_path))
    d.resize(*size)
    d.show()
    qtbot.waitExposed(d)
    select(d, scene.ids["uncertain"])
    QApplication.processEvents()
    assert clipped(d) == [] and d.width() <= size[0] and d.height() <= size[1]
    d.resend_button.click()
    QApplication.processEvents()
    assert clipped(d.confirm) == []
    d.confirm.button(QMessageBox.Cancel).click()
