"""The workspace's own settings, from the command line and from the designer's dialog: one reading
and one check of them."""
from PySide6.QtCore import QTime

from switchback.app.cli import main
from switchback.app.designer import build_window
from switchback.runtime import workspace_settings
from switchback.runtime.store.workspace import open_store


def test_workspace_set_checks_every_value_before_writing_any(tmp_path, capsys):
    ws = str(tmp_path / "w.sqlite")
    assert main(["workspace", "set", "timezone=Europe/Berlin", "quiet_hours=20:00-08:00", "frequency_cap=3/7d",
                 "--workspace", ws]) == 0
    assert capsys.readouterr().out.splitlines() == ["timezone = Europe/Berlin", "quiet_hours = 20:00-08:00",
                                                    "frequency_cap = 3/7d"]
    assert main(["workspace", "set", "timezone=Europe/Paris", "frequency_cap=three", "--workspace", ws]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["frequency_cap: 'three' is not N/DURATION (such as 3/7d)"]
    now = workspace_settings.read(open_store(ws))
    assert now.timezone == "Europe/Berlin" and now.frequency_cap.messages == 3          # nothing was written
    assert main(["workspace", "set", "quiet_hours=", "--workspace", ws]) == 0
    assert workspace_settings.read(open_store(ws)).quiet_hours is None


def test_the_settings_dialog_shows_and_saves_them(qtbot, tmp_path):
    from switchback.app.workspace_settings_dialog import WorkspaceSettingsDialog
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    d = WorkspaceSettingsDialog(w, w.workspace.store)
    qtbot.addWidget(d)
    assert d.zone.currentText() == "" and not d.quiet.isChecked() and not d.cap.isChecked()
    d.zone.setCurrentText("America/New_York")
    d.quiet.setChecked(True)
    d.quiet_from.setTime(QTime(21, 0))
    d.quiet_until.setTime(QTime(7, 30))
    d.cap.setChecked(True)
    d.cap_messages.setValue(2)
    d.cap_per.setText("1d")
    d.private.setChecked(True)
    d.public.setText("https://track.shop.test/")
    d.save()
    saved = workspace_settings.read(w.workspace.store)
    assert saved.timezone == "America/New_York"
    assert (saved.quiet_hours.start, saved.quiet_hours.end) == ("21:00", "07:30")
    assert (saved.frequency_cap.messages, saved.frequency_cap.per) == (2, "1d")
    assert saved.allow_private_webhooks is True
    assert saved.public_url == "https://track.shop.test"
    d.public.setText("track.shop.test")
    assert d.save() is False and d.note.text().startswith("Not saved: public_url: 'track.shop.test' is not an http(s)")
    d.public.setText("")
    d.zone.setCurrentText("Mars/Olympus")
    d.save()
    assert "not an IANA time zone" in d.note.text()
    assert workspace_settings.read(w.workspace.store).timezone == "America/New_York"
