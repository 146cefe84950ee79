"""Workspace › Contacts: find, read a timeline, enroll, unsubscribe, import with progress — the
everyday tools that were command-line only."""
from PySide6.QtWidgets import QMessageBox, QWidget

from switchback.app.cli import main
from switchback.app.designer import build_window
from switchback.runtime.store.models import EventRow
from tests.gui.publishing import publish


def window(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))          # the sample workspace: 8 contacts
    qtbot.addWidget(w)
    w.show()
    w.contacts_view()
    return w, w.contacts


def publish_by_hand(tmp_path, ws: str) -> None:
    """A journey that takes contacts enrolled by hand, published."""
    manual = tmp_path / "manual.journey.json"
    manual.write_text('{"format": "switchback.journey/1", "key": "by-hand", "name": "By hand", "nodes": ['
                      '{"id": "start", "kind": "trigger.manual", "config": {}},'
                      '{"id": "hello", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hi", "body": "Hi"}}],'
                      ' "edges": [{"from": "start", "to": "hello"}]}')
    assert main(["publish", str(manual), "--workspace", ws]) == 0


def test_find_a_contact_and_read_its_timeline(qtbot, tmp_path):
    w, view = window(qtbot, tmp_path)
    assert view.count.text() == "8 contacts"
    view.search.setText("hopper")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=3000)
    assert view.table.item(0, 0).text() == "grace@hopper.example" and view.count.text() == "1 contact"
    view.table.selectRow(0)
    assert "grace@hopper.example" in view.heading.text()
    assert view.history.toPlainText() == "Nothing has happened to this contact yet."


def test_enroll_and_unsubscribe_go_in_as_events_and_show_in_the_timeline(qtbot, tmp_path, capsys):
    ws = str(tmp_path / "w.sqlite")
    w, view = window(qtbot, tmp_path)
    assert view.journey.currentData() is None and view.journey.currentText() == "none published"
    publish_by_hand(tmp_path, ws)
    view._fill_journeys()
    view.table.selectRow(0)
    email = view.chosen()
    assert view.journey.currentData() == "by-hand" and view.enroll_button.isEnabled()
    view.enroll_button.click()
    assert "will enter By hand" in view.note.text()
    view.unsubscribe_button.click()
    view.confirm.button(QMessageBox.Cancel).click()
    with w.workspace.store.session() as s:
        kinds = [e.type for e in s.query(EventRow).all()]
    assert kinds == ["switchback.enroll"]                         # cancelled: no unsubscribe
    view.unsubscribe_button.click()
    next(b for b in view.confirm.buttons() if b.text() == "Unsubscribe").click()
    assert main(["run", "--until-idle", "--workspace", ws]) == 0
    view.refresh()
    assert view.chosen() == email                                 # still the one chosen
    assert "email unsubscribed" in view.heading.text()
    assert "By hand › Enrolled by hand" in view.history.toPlainText()     # named as the designer names them


def test_import_a_csv_with_progress(qtbot, tmp_path):
    w, view = window(qtbot, tmp_path)
    csv = tmp_path / "people.csv"
    csv.write_text("email,first_name\n" + "".join(f"p{i}@example.com,P{i}\n" for i in range(1200)))
    view.import_csv(str(csv))
    assert view.importing() and view.progress.isVisible()
    qtbot.waitUntil(lambda: not view.importing(), timeout=30000)
    assert view.note.text() == f"Imported {csv}: 1,200 added, 0 updated."
    assert view.count.text().startswith("1,208 contacts")
    bad = tmp_path / "bad.csv"
    bad.write_text("first_name\nAda\n")
    view.import_csv(str(bad))
    qtbot.waitUntil(lambda: not view.importing(), timeout=30000)
    assert view.note.text().startswith("Not imported: ") and str(bad) in view.note.text()


def test_forget_asks_first_then_erases_the_contact_off_the_gui_thread(qtbot, tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    w, view = window(qtbot, tmp_path)
    view.search.setText("hopper")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=3000)
    view.table.selectRow(0)
    view.forget_button.click()
    view.confirm.button(QMessageBox.Cancel).click()
    view.search.setText("")
    qtbot.waitUntil(lambda: view.count.text() == "8 contacts", timeout=3000)   # cancelled: still there
    view.search.setText("hopper")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=3000)
    view.table.selectRow(0)
    view.forget_button.click()
    next(b for b in view.confirm.buttons() if b.text() == "Forget").click()
    qtbot.waitUntil(lambda: view.thread is None, timeout=10000)
    assert view.note.text().startswith("grace@hopper.example is erased")
    assert view.table.rowCount() == 0
    w.workspace.store.checkpoint()
    assert b"grace@hopper.example" not in ws.read_bytes()
    code = main(["forget", "--log", "--workspace", str(ws)])
    assert code == 0


def test_enroll_everyone_who_meets_a_condition_built_in_rows(qtbot, tmp_path):
    """What `enroll KEY --where` does, with the condition picked in rows and nothing typed as code."""
    ws = str(tmp_path / "w.sqlite")
    w, view = window(qtbot, tmp_path)
    publish_by_hand(tmp_path, ws)
    view.enroll_where_button.click()
    d = view.where_dialog
    qtbot.waitExposed(d)
    assert d.journey.currentData() == "by-hand"
    d.condition.builder.findChild(QWidget, "add-condition").click()
    row = d.condition.builder.items[0]
    row.subject.setCurrentText("country")
    row.op.setCurrentText("is any of")
    row.value.setText("GB, CH")
    row.value.editingFinished.emit()
    assert d.condition.text() == "contact.country in ['GB', 'CH']"
    d.enroll_button.click()
    assert d.confirm.isVisible() and d.confirm.informativeText() == "contact.country in ['GB', 'CH']"
    d.confirm.button(QMessageBox.Cancel).click()
    with w.workspace.store.session() as s:
        assert s.query(EventRow).count() == 0                       # asked, cancelled: nobody
    d.enroll_button.click()
    next(b for b in d.confirm.buttons() if b.text() == "Enroll").click()
    qtbot.waitUntil(lambda: d.enroll_button.isEnabled(), timeout=10000)
    assert d.note.text() == "3 contacts will enter By hand when the scheduler next runs."
    assert view.note.text() == d.note.text()
    with w.workspace.store.session() as s:
        enrolled = sorted(e.properties["journey"] for e in s.query(EventRow).all())
    assert enrolled == ["by-hand"] * 3


def test_filter_by_email_consent_and_by_the_journey_a_contact_is_in(qtbot, tmp_path):
    ws = str(tmp_path / "w.sqlite")
    w, view = window(qtbot, tmp_path)
    view.consent.setCurrentIndex(view.consent.findData("unsubscribed"))
    unsubscribed = [view.table.item(r, 0).text() for r in range(view.table.rowCount())]
    assert unsubscribed and all(view.table.item(r, 4).text() == "unsubscribed" for r in range(view.table.rowCount()))
    assert view.count.text() == f"{len(unsubscribed)} contact" + ("s" if len(unsubscribed) != 1 else "")
    view.consent.setCurrentIndex(0)
    assert view.table.rowCount() == 8
    publish(w)                                                    # the welcome series, live
    events = tmp_path / "signups.jsonl"
    events.write_text('{"contact": "ada@lovelace.example", "type": "signed_up", "at": "2026-03-02T09:00:00Z"}\n')
    assert main(["events", str(events), "--workspace", ws]) == 0
    assert main(["run", "--until-idle", "--sync-every", "0", "--workspace", ws]) == 0
    view._fill_journeys()
    view.in_journey.setCurrentIndex(view.in_journey.findData("welcome-series"))
    assert view.in_journey.currentText() == "In Welcome series"
    assert [view.table.item(r, 0).text() for r in range(view.table.rowCount())] == ["ada@lovelace.example"]
    assert view.count.text() == "1 contact"
