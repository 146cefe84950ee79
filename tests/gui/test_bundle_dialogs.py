"""Import bundle… when the workspace cannot take the import: the dialog says so in its note, stays
open, and the workspace and its assets folder are as they were."""
import sqlite3

from PySide6.QtWidgets import QDialogButtonBox

from switchback.app.bundle_dialogs import ImportBundleDialog
from switchback.app.designer import build_window
from tests.runtime.bundle_kit import journey_entry, sw, tables, tree, write_bundle


def test_an_import_the_store_refuses_leaves_the_dialog_open_and_nothing_changed(qtbot, tmp_path, test_keyring):
    ws = tmp_path / "client.sqlite"
    assert sw("connector", "add", "mail", "--kind", "smtp", "--set", "host=c", "--set", "port=25",
              "--set", "from=c@d.test", "--secret", "password", "--workspace", ws, stdin="pw\n") == 0
    (tmp_path / "client.sqlite.assets").mkdir()
    (tmp_path / "client.sqlite.assets" / "logo.png").write_bytes(b"the client's own logo")
    bundle = write_bundle(tmp_path / "b.swbundle", [journey_entry(html='<img src="assets/logo.png">'),
                                                    ("assets/logo.png", b"the agency's logo")])
    client = build_window(workspace=str(ws))
    qtbot.addWidget(client)
    with sqlite3.connect(ws) as db:                 # the store refuses the draft, as a full disk would
        db.execute("CREATE TRIGGER full BEFORE INSERT ON journeys BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    before = tree(tmp_path), tables(ws)
    d = ImportBundleDialog(client, client.workspace, str(bundle))
    qtbot.addWidget(d)
    d.buttons.button(QDialogButtonBox.Ok).click()
    assert d.result() != d.DialogCode.Accepted
    lines = d.note.text().splitlines()
    assert lines[0] == "Nothing was imported:" and len(lines) == 2 and "database or disk is full" in lines[1], lines
    assert (tree(tmp_path), tables(ws)) == before
