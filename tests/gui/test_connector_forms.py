"""A CRM connector's form tests its connection before any sync (HubSpot on 127.0.0.1 in HubSpot's
shapes): a refused token is one line naming the window's place, the working one says it connected."""
from PySide6.QtCore import Qt

from switchback.app.connectors_dialog import ConnectorsDialog
from switchback.app.designer import build_window
from switchback.connectors.secrets import get_secret
from tests.connectors.fake_hubspot import FakeHubSpot


def test_a_hubspot_connector_tests_its_connection_and_a_refused_token_says_where_to_fix_it(qtbot, tmp_path,
                                                                                           test_keyring):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = ConnectorsDialog(w, w.workspace)
    qtbot.addWidget(d)
    d.show()
    d.kind.setCurrentIndex(d.kind.findData("hubspot"))
    assert d.connect_button.isVisible() and not d.test_button.isVisible()
    with FakeHubSpot(contacts=250) as hs:
        d.name.setText("crm")
        d.form.set_config({"base_url": hs.url})
        d.secret_edits["access_token"].setText("not-the-token")
        qtbot.mouseClick(d.connect_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: d.connect_button.isEnabled(), timeout=30000)
        assert d.note.text() == ("Not connected: crm (hubspot): HubSpot refused the access token; set a valid one "
                                 "under Workspace › Connectors… (401 Unauthorized)")
        d.secret_edits["access_token"].setText(hs.token)
        qtbot.mouseClick(d.connect_button, Qt.LeftButton)
        qtbot.waitUntil(lambda: d.connect_button.isEnabled(), timeout=30000)
        assert d.note.text().startswith("Connected: crm answered and let Switchback read its contacts (")
        assert "on the first page). Nothing was synced yet." in d.note.text()
    assert get_secret("crm", "access_token") == hs.token
    assert len(w.workspace.contacts()) == 8                   # the sample contacts only: a test syncs nothing


def test_a_sync_whose_token_is_refused_names_the_connector_once_and_no_command(qtbot, tmp_path, test_keyring):
    """It said 'hubspot: hubspot: HubSpot refused the access token; set a valid one with `switchback ...`'."""
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = ConnectorsDialog(w, w.workspace)
    qtbot.addWidget(d)
    d.kind.setCurrentIndex(d.kind.findData("hubspot"))
    with FakeHubSpot(contacts=10) as hs:
        d.name.setText("hubspot")
        d.form.set_config({"base_url": hs.url})
        d.secret_edits["access_token"].setText("not-the-token")
        assert d.save()
        thread = w.sync_contacts()
        qtbot.waitUntil(lambda: getattr(w, "last_sync", None) is not None, timeout=30000)
        thread.wait()
    assert w.last_sync == ("hubspot: HubSpot refused the access token; set a valid one under Workspace › "
                           "Connectors… (401 Unauthorized)")
    assert w.status.text() == w.last_sync
