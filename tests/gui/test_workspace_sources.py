"""Workspace › Settings… lists the event sources: a new one's write key is shown once with a button
to copy it, the key is the one the intake server accepts, and removing a source asks first."""
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from switchback.app.designer import build_window
from switchback.runtime import sources, workspace_settings


def settings_dialog(qtbot, w):
    w.workspace_settings_dialog()
    d = w.dialog
    qtbot.waitExposed(d)
    return d


def test_a_source_added_in_settings_shows_its_key_once_and_removing_it_asks_first(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    d = settings_dialog(qtbot, w)
    section = d.sources
    assert "No sources yet" in section.list.item(0).text() and not section.key.isVisible()
    before = workspace_settings.read(w.workspace.store)
    d.zone.setCurrentText("Europe/Paris")                      # typed, not saved: Enter must not save it
    QTest.keyClicks(section.name, "website")
    QTest.keyClick(section.name, Qt.Key_Return)
    assert d.isVisible() and workspace_settings.read(w.workspace.store) == before
    key = section.key.text()
    assert section.key.isVisible() and section.key.isReadOnly() and len(key) >= 32
    assert "shown this once" in section.note.text()
    assert sources.KeyCheck(w.workspace.store, fresh_for=0).source(key) == "website"
    qtbot.mouseClick(section.copy_button, Qt.LeftButton)
    assert QGuiApplication.clipboard().text() == key
    assert [section.list.item(i).data(Qt.UserRole) for i in range(section.list.count())] == ["website"]

    QTest.keyClicks(section.name, "website")                   # the same name again: one line, nothing changed
    qtbot.mouseClick(section.add_button, Qt.LeftButton)
    assert section.note.text() == "Not added: source website: already exists (remove it first to make a new write key)"
    assert not section.key.isVisible()
    d.close()

    d = settings_dialog(qtbot, w)                              # opened again, the key is not there to see
    section = d.sources
    assert not section.key.isVisible() and key not in section.key.text()
    assert "website" in section.list.item(0).text()
    section.list.setCurrentRow(0)
    qtbot.mouseClick(section.remove_button, Qt.LeftButton)
    assert section.confirm.isVisible() and "refused from then on" in section.confirm.text()
    section.confirm.button(QMessageBox.Cancel).click()
    assert [s.name for s in sources.list_sources(w.workspace.store)] == ["website"]
    qtbot.mouseClick(section.remove_button, Qt.LeftButton)
    remove = next(b for b in section.confirm.buttons() if b.text() == "Remove")
    remove.click()
    assert sources.list_sources(w.workspace.store) == []
    assert sources.KeyCheck(w.workspace.store, fresh_for=0).source(key) is None
    assert section.note.text() == "Removed website." and "No sources yet" in section.list.item(0).text()
    d.close()
