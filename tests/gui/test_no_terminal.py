"""No message in the designer sends its user to a terminal: where a line from the runtime or a
connector names a command, the window shows the place in the designer that does the same."""
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from switchback.app.designer import build_window
from tests.app.test_run_words import run_once
from tests.gui.publishing import publish


def test_a_message_waiting_for_its_password_says_where_to_set_it_and_names_no_command(qtbot, tmp_path, test_keyring):
    run_once(tmp_path, "--kind", "smtp", "--set", "host=127.0.0.1", "--set", "port=1", "--set", "from=news@shop.test",
             "--set", "tls=none", "--set", "username=news")
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    w.contacts_view()
    view = w.contacts
    view.search.setText("ada@shop")
    qtbot.waitUntil(lambda: view.table.rowCount() == 1, timeout=3000)
    view.table.selectRow(0)
    timeline = view.history.toPlainText()
    assert "queued" in timeline and "no password secret in the keyring; set it under Workspace › Connectors…" in timeline
    assert "switchback" not in timeline
    view.close()

    w.outbox_dialog()
    d = w.dialog
    qtbot.waitUntil(lambda: not d.busy, timeout=10000)
    why = d.model.data(d.model.index(0, len(d.model.COLUMNS) - 1), Qt.DisplayRole)
    assert "set it under Workspace › Connectors…" in why and "switchback" not in why


def test_review_says_where_to_approve_in_the_designer(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    form = w.settings_inspector
    words = [label.text() for label in form.findChildren(QLabel)]
    assert any("History › Approve draft" in text for text in words)
    assert not [text for text in words if "switchback " in text]
    w.editor.set_settings(settings=dict(w.editor.journey.settings_raw, review=True))
    w.save_now()
    publish(w)
    assert w.status.text().endswith("(History › Approve draft)") and "switchback" not in w.status.text()


def test_a_bundle_imported_says_which_secret_to_enter_and_where(qtbot, tmp_path, test_keyring):
    from PySide6.QtWidgets import QDialogButtonBox

    from switchback.app.bundle_dialogs import ExportBundleDialog
    from tests.support.cli import sw
    agency_ws, client_ws, bundle = tmp_path / "agency.sqlite", tmp_path / "client.sqlite", str(tmp_path / "b.swbundle")
    assert sw("connector", "add", "smtp", "--kind", "sendgrid", "--set", "from=a@b.test", "--secret", "api_key",
              "--workspace", agency_ws, stdin="SG.key\n")[0] == 0                # the journey's "smtp" sends by SendGrid
    agency = build_window(workspace=str(agency_ws))
    qtbot.addWidget(agency)
    assert sw("publish", agency.editor.journey.key, "--workspace", agency_ws)[0] == 0
    ExportBundleDialog(agency, agency.workspace).export(bundle)
    assert sw("connector", "add", "mailer", "--kind", "sendgrid", "--set", "from=c@d.test",
              "--workspace", client_ws)[0] == 0                              # its API key not entered yet
    client = build_window(workspace=str(client_ws))
    qtbot.addWidget(client)
    client.import_bundle_dialog(bundle)
    d = client.dialog
    d.choices["smtp"].setCurrentIndex(d.choices["smtp"].findData("mailer"))
    d.buttons.button(QDialogButtonBox.Ok).click()
    said = client.status.text()
    assert "Secrets to enter: mailer: enter its api_key under Workspace › Connectors…" in said
    assert "switchback" not in said
