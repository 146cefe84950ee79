"""The designer's connector screen and bundle dialogs, driven through their widgets."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox

from switchback.app.bundle_dialogs import ExportBundleDialog, ImportBundleDialog
from switchback.app.connectors_dialog import ConnectorsDialog
from switchback.app.designer import build_window
from switchback.connectors.secrets import get_secret
from tests.connectors.servers import FakeSMTP


def test_add_a_connector_keep_its_password_in_the_keyring_and_send_a_test(qtbot, tmp_path, test_keyring):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = ConnectorsDialog(w, w.workspace)
    qtbot.addWidget(d)
    d.show()
    d.kind.setCurrentIndex(d.kind.findData("smtp"))
    d.name.setText("mail")
    with FakeSMTP(users={"news": "hunter2-pw"}) as server:
        d.form.set_config({"host": "127.0.0.1", "port": server.port, "from": "news@shop.test", "tls": "none",
                           "username": "news"})
        d.secret_edits["password"].setText("hunter2-pw")
        d.send_test("ada@shop.test")
        qtbot.waitUntil(lambda: d.test_button.isEnabled(), timeout=15000)
        assert d.note.text() == "Sent to ada@shop.test. Check that it arrived."
        assert server.received[0].message["Subject"] == "Switchback test message"
    assert get_secret("mail", "password") == "hunter2-pw"
    assert b"hunter2-pw" not in (tmp_path / "w.sqlite").read_bytes()
    assert [d.list.item(i).text() for i in range(d.list.count())] == ["mail — smtp"]
    d.list.setCurrentRow(0)
    d.remove()                                                   # asks first
    assert d.confirm.isVisible() and "mail" in d.confirm.text()
    d.confirm.button(QMessageBox.Cancel).click()
    assert [d.list.item(i).text() for i in range(d.list.count())] == ["mail — smtp"]
    d.remove()
    next(b for b in d.confirm.buttons() if b.text() == "Remove").click()
    assert d.list.count() == 1 and "No connectors yet" in d.list.item(0).text()


def test_enter_in_a_field_saves_nothing_and_a_user_name_needs_its_password(qtbot, tmp_path, test_keyring):
    """Enter in the user name used to save an SMTP connector without its password."""
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = ConnectorsDialog(w, w.workspace)
    qtbot.addWidget(d)
    d.show()
    d.kind.setCurrentIndex(d.kind.findData("smtp"))
    d.name.setText("mail")
    d.form.set_config({"host": "mail.example.com", "port": 587, "from": "news@shop.test", "tls": "starttls"})
    user = d.form.findChild(QLineEdit, "field-username") or d.form.editors["username"].input
    qtbot.keyClicks(user, "news")
    qtbot.keyClick(user, Qt.Key_Return)
    assert d.isVisible() and "No connectors yet" in d.list.item(0).text()
    d.save_button.click()
    assert d.note.text() == "Not saved: mail needs its password as well."
    assert "No connectors yet" in d.list.item(0).text()
    d.secret_edits["password"].setText("s3cret")
    d.save_button.click()
    assert [d.list.item(i).text() for i in range(d.list.count())] == ["mail — smtp"]


def test_import_refuses_to_finish_while_a_connector_is_unmapped(qtbot, tmp_path, test_keyring):
    from switchback.app.cli import main
    import io, sys
    src = tmp_path / "agency.sqlite"
    sys.stdin = io.StringIO("pw\n")
    assert main(["connector", "add", "smtp", "--kind", "smtp", "--set", "host=a", "--set", "port=25",
                 "--set", "from=a@b.test", "--secret", "password", "--workspace", str(src)]) == 0
    sys.stdin = sys.__stdin__
    agency = build_window(workspace=str(src))
    qtbot.addWidget(agency)
    assert main(["publish", agency.editor.journey.key, "--workspace", str(src)]) == 0
    export = ExportBundleDialog(agency, agency.workspace)
    qtbot.addWidget(export)
    bundle = str(tmp_path / "b.swbundle")
    export.export(bundle)

    sys.stdin = io.StringIO("pw2\n")
    client_ws = tmp_path / "client.sqlite"
    assert main(["connector", "add", "mailer", "--kind", "smtp", "--set", "host=c", "--set", "port=25",
                 "--set", "from=c@d.test", "--secret", "password", "--workspace", str(client_ws)]) == 0
    sys.stdin = sys.__stdin__
    client = build_window(workspace=str(client_ws))
    qtbot.addWidget(client)
    before = {j.key: j.revision for j in client.workspace.journeys()}
    d = ImportBundleDialog(client, client.workspace, bundle)
    qtbot.addWidget(d)
    ok = d.buttons.button(QDialogButtonBox.Ok)
    assert not ok.isEnabled() and "Map smtp" in d.note.text()
    d.choices["smtp"].setCurrentIndex(d.choices["smtp"].findData("mailer"))
    assert ok.isEnabled()
    ok.click()
    assert d.result() == d.DialogCode.Accepted
    after = {j.key: j.revision for j in client.workspace.journeys()}
    assert after[agency.editor.journey.key] == before.get(agency.editor.journey.key, 0) + 1


def test_tools_audit_writes_the_report_off_the_gui_thread(qtbot, tmp_path, monkeypatch):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    out = tmp_path / "audit.html"
    from PySide6.QtGui import QDesktopServices
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile()) or True))
    w.audit_workspace(str(out))
    qtbot.waitUntil(lambda: "Audit written" in w.status.text() or "failed" in w.status.text(), timeout=60000)
    assert "Audit written" in w.status.text(), w.status.text()
    html = out.read_text()
    assert 'id="summary"' in html and "Welcome series" in html
    assert opened == [str(out)]


def test_a_team_workspace_opens_with_its_password_from_the_keyring(qtbot, tmp_path, test_keyring):
    from switchback.app.workspace_dialogs import TeamWorkspaceDialog
    from switchback.connectors.secrets import get_secret
    from tests.support import postgres
    import pytest
    if not postgres.available():
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    with postgres.server() as url:
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        d = TeamWorkspaceDialog(w)
        qtbot.addWidget(d)
        d.port.setValue(port)
        d.user.setText("switchback")
        d.password.setText("team-pass")
        team = w.switch_workspace(db=d.url())
        qtbot.addWidget(team)
        assert team is not None and "127.0.0.1" in team.windowTitle()
        assert team.editor.journey.key == "welcome-series"
        assert get_secret(f"postgresql:switchback@127.0.0.1:{port}/switchback", "password") == "team-pass"
        team.close()
        team.workspace.store.close()


def test_sync_contacts_shows_progress_and_can_be_cancelled_then_resumes(qtbot, tmp_path, test_keyring):
    import io
    import sys

    from switchback.app.cli import main
    from tests.connectors.fake_hubspot import FakeHubSpot
    ws = str(tmp_path / "w.sqlite")
    with FakeHubSpot(contacts=3_000) as hs:
        sys.stdin = io.StringIO(hs.token + "\n")
        assert main(["connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hs.url}",
                     "--secret", "access_token", "--workspace", ws]) == 0
        sys.stdin = sys.__stdin__
        w = build_window(workspace=ws)
        qtbot.addWidget(w)
        seen = []
        thread = w.sync_contacts()
        assert w.sync_progress.labelText().startswith("Syncing contacts from crm")
        # Pressing Cancel sets this flag; set it from the sync's own thread at 1,000 so the test
        # does not race a sync that takes well under a second.
        from PySide6.QtCore import Qt
        thread.progress.connect(lambda done, total: seen.append(done) or
                                (done >= 1000 and setattr(thread, "cancel_requested", True)), Qt.DirectConnection)
        qtbot.waitUntil(lambda: getattr(w, "last_sync", None) is not None, timeout=60000)
        thread.wait()
        assert "cancelled; the next sync resumes from here" in w.last_sync
        first = len(w.workspace.contacts())
        assert 1000 <= first < 3000 + 8 and seen and seen[-1] < 3000
        w.last_sync = None
        thread = w.sync_contacts()
        qtbot.waitUntil(lambda: w.last_sync is not None, timeout=60000)
        thread.wait()
        assert "(done)" in w.last_sync
        assert len(w.workspace.contacts()) == 3000 + 8            # the sample contacts and all of the CRM's


def test_a_refused_message_shows_with_the_providers_reason(qtbot, tmp_path, test_keyring):
    import io
    import sys

    from switchback.app.cli import main
    from switchback.app.outbox_dialog import OutboxDialog
    from tests.connectors.servers import FakeSMTP
    ws = str(tmp_path / "w.sqlite")
    people = tmp_path / "p.csv"
    people.write_text("email,first_name,consent_email\nnobody@shop.test,No,subscribed\n")
    journey = tmp_path / "j.journey.json"
    journey.write_text('{"format": "switchback.journey/1", "key": "hi", "name": "Hi", "nodes": ['
                       '{"id": "all", "kind": "trigger.manual", "config": {}}, {"id": "mail", "kind": "action.email",'
                       ' "config": {"connector": "mail", "subject": "Hi", "body": "."}}], "edges": [{"from": "all", "to": "mail"}]}')
    with FakeSMTP() as server:
        server.refuse.add("nobody@shop.test")
        sys.stdin = io.StringIO("")
        for args in (["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={server.port}",
                      "--set", "from=a@shop.test", "--set", "tls=none"], ["import", str(people)], ["publish", str(journey)],
                     ["enroll", "hi", "nobody@shop.test"], ["run", "--until-idle"]):
            assert main([*args, "--workspace", ws]) == 0
        sys.stdin = sys.__stdin__
    w = build_window(workspace=ws)
    qtbot.addWidget(w)
    d = OutboxDialog(w, w.workspace)
    qtbot.addWidget(d)
    qtbot.waitUntil(lambda: not d.busy, timeout=10000)
    assert d.model.rowCount() == 1
    row = [d.model.index(0, j).data() for j in range(d.model.columnCount())]
    assert row[:4] == ["Failed", "nobody@shop.test", "hi", "Send email"] and row[4] == "email via mail"
    assert "550 5.1.1" in row[6] and "User unknown" in row[6]


def test_without_a_keyring_a_secret_is_refused_with_how_to_get_one(tmp_path):
    import subprocess
    import sys

    from tests.conftest import ROOT
    env = {**__import__("os").environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    p = subprocess.run([sys.executable, "-m", "switchback.app", "connector", "add", "mail", "--kind", "smtp", "--set", "host=h",
                        "--set", "from=a@b.test", "--secret", "password", "--workspace", str(tmp_path / "w.sqlite")],
                       cwd=ROOT, input="pw-never-stored\n", capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2
    assert "no OS keyring is available" in p.stderr and "never stored in plain text" in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    store = tmp_path / "w.sqlite"
    assert not store.exists() or b"pw-never-stored" not in store.read_bytes()


def test_new_journey_is_a_gallery_that_fits_a_laptop_screen(qtbot, tmp_path):
    """The template picker was one combo box of "name — description", 2,381 px wide."""
    from switchback.app.workspace import templates
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(1280, 720)
    w.show()
    w.new_from_template()
    g = w.gallery
    assert g.isVisible() and g.width() <= 1000 and g.height() <= 720
    names = [g.grid.item(i).text() for i in range(g.grid.count())]
    assert names == ["Blank journey"] + [t.name for t in templates()]
    qtbot.waitUntil(lambda: g.drawn() == len(templates()), timeout=10000)
    assert all(not g.grid.item(i).icon().isNull() for i in range(g.grid.count()))
    g.grid.setCurrentRow(names.index("Lead nurture"))
    assert "Lead nurture" in g.about.text() and "download" in g.about.text()
    g.accept()
    assert w.editor.journey.key == "lead-nurture" and len(w.editor.journey.nodes) > 10


def test_a_message_node_sends_a_test_as_the_previewed_contact_would_get_it(qtbot, tmp_path, test_keyring):
    from switchback.connectors import workspace as connectors
    w = build_window(workspace=str(tmp_path / "w.sqlite"))       # the welcome series, sample contacts
    qtbot.addWidget(w)
    w.show()
    email = next(n for n in w.editor.journey.nodes if n.kind == "action.email")
    w.editor.scene.cards[email.id].setSelected(True)
    button = w.node_inspector.test_button
    qtbot.waitUntil(lambda: button.isVisible())
    w.node_inspector.preview.setCurrentIndex(1)                  # the first sample contact
    previewed = w.node_inspector._contacts[0]
    button.click()
    w.test_ask.textValueSelected.emit("me@shop.test")
    assert "no connectors yet" in w.status.text()                 # nothing recorded, nothing pretended
    with FakeSMTP() as server:
        connectors.add(w.workspace.store, email.config["connector"], "smtp",
                       {"host": "127.0.0.1", "port": server.port, "from": "news@shop.test", "tls": "none"}, {})
        button.click()
        w.test_ask.textValueSelected.emit("me@shop.test")
        qtbot.waitUntil(lambda: w.status.text().startswith("Test sent"), timeout=15000)
        got = server.received[0].message
    assert got["To"] == "me@shop.test" and got["Subject"].startswith("[Test] ")
    assert previewed["first_name"] in got.get_body(("plain",)).get_content()


def test_saving_a_connector_that_would_send_its_password_in_clear_says_so(qtbot, tmp_path, test_keyring):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = ConnectorsDialog(w, w.workspace)
    qtbot.addWidget(d)
    d.kind.setCurrentIndex(d.kind.findData("smtp"))
    d.name.setText("mail")
    d.form.set_config({"host": "mail.example.com", "from": "news@shop.test", "tls": "none", "username": "news"})
    d.secret_edits["password"].setText("hunter2-pw")
    assert d.save()
    assert d.note.text().splitlines() == [
        "Saved mail. Its secrets are in the keyring.",
        "Warning: tls=none with a user name: the password would travel unencrypted; use an encrypted connection"]


def test_the_sync_dialog_shows_the_sync_log_of_records_taken_as_they_could_be(qtbot, tmp_path, test_keyring):
    import io
    import sys

    from switchback.app.cli import main
    from tests.connectors.fake_hubspot import FakeHubSpot
    ws = str(tmp_path / "w.sqlite")
    with FakeHubSpot(contacts=20) as hs:
        hs.add_deals(3, contacts=20)
        with hs.lock:
            hs.deals[2]["contacts"] = []
        sys.stdin = io.StringIO(hs.token + "\n")
        assert main(["connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hs.url}",
                     "--secret", "access_token", "--workspace", ws]) == 0
        sys.stdin = sys.__stdin__
        w = build_window(workspace=ws)
        qtbot.addWidget(w)
        thread = w.sync_contacts()
        qtbot.waitUntil(lambda: getattr(w, "last_sync", None) is not None, timeout=60000)
        thread.wait()
        assert "(done)" in w.last_sync
        qtbot.waitUntil(lambda: getattr(w, "sync_log_box", None) is not None, timeout=10000)
        box = w.sync_log_box
        assert box.isVisible() and box.text().startswith("activity: read 0 merges, 0 deleted, 3 deals")
        assert "deal 2 (Deal 2): no associated contact; kept, no event" in box.detailedText()
        box.close()
