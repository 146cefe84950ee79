"""`switchback service install|uninstall` (SPEC 9): this machine's systemd user unit written, parsed and
verified by systemd itself, its ExecStart run; the launchd agent and the scheduled task each parsed as
their platform reads them."""
import configparser
import os
import plistlib
import shlex
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from switchback.app import service
from tests.conftest import ROOT

TASK_NS = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = tmp_path / "home dir"                    # a space: every file quotes it as its platform wants
    home.mkdir()
    for var, value in (("HOME", home), ("XDG_CONFIG_HOME", home / ".config"), ("LOCALAPPDATA", home / "AppData" / "Local")):
        monkeypatch.setenv(var, str(value))
    return home


def sw(*args, env=None) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stderr
    return p


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="this machine's own service manager is systemd")
def test_install_writes_a_systemd_user_unit_that_runs_the_workspace(home):
    ws = home / "my work" / "w.sqlite"
    ws.parent.mkdir()
    said = sw("service", "install", "--workspace", ws).stdout.splitlines()
    unit = home / ".config" / "systemd" / "user" / "switchback.service"
    assert said[0] == f"wrote the systemd user unit {unit}"
    assert len(said) >= 2 and ("systemctl" in said[1] or "enabled" in said[1])     # what systemctl did, in words
    parsed = configparser.ConfigParser(interpolation=None, strict=True)
    parsed.optionxform = str
    parsed.read_string(unit.read_text())
    assert parsed["Install"]["WantedBy"] == "default.target"
    assert parsed["Service"]["Restart"] == "on-failure"
    argv = shlex.split(parsed["Service"]["ExecStart"])
    assert argv == [sys.executable, "-m", "switchback.app", "run", "--serve", "--workspace", str(ws)]
    if shutil.which("systemd-analyze"):
        check = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
        assert check.returncode == 0, check.stderr

    # ExecStart as systemd would start it: it keeps running until told to stop, and stops cleanly.
    p = subprocess.Popen(argv, cwd=home, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(4)
        assert p.poll() is None, p.communicate()[1]
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
        assert p.returncode == 0, err
        assert "contact wake-ups" in out
    finally:
        if p.poll() is None:
            p.kill()

    said = sw("service", "uninstall").stdout.splitlines()
    assert f"removed the systemd user unit {unit}" in said and not unit.exists()
    assert sw("service", "uninstall").stdout.splitlines()[-1] == f"the systemd user unit {unit} was not there"


def test_a_missing_systemctl_is_said_and_the_unit_still_written(home, monkeypatch, tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    said = service.install(home / "w.sqlite", platform="linux")
    assert said[1] == "systemctl is not on this machine: systemctl --user daemon-reload was not run"
    assert said[2] == "to start it at login: systemctl --user enable --now switchback.service"
    assert service.systemd_path().exists()


def test_the_launchd_agent_is_a_plist_launchd_loads(home):
    ran = []
    said = service.install(home / "w.sqlite", platform="darwin",
                           runner=lambda argv: ran.append(argv) or subprocess.CompletedProcess(argv, 0, "", ""))
    path = home / "Library" / "LaunchAgents" / "org.switchback.run.plist"
    with path.open("rb") as f:
        agent = plistlib.load(f)
    assert agent["Label"] == "org.switchback.run" and agent["RunAtLoad"] is True
    assert agent["ProgramArguments"] == [*service.program(), "run", "--serve", "--workspace", str(home / "w.sqlite")]
    assert agent["KeepAlive"] == {"SuccessfulExit": False}
    assert Path(agent["StandardErrorPath"]).parent.is_dir()
    assert ran == [["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)]]
    assert said == [f"wrote the launchd agent {path}", "loaded org.switchback.run: it starts at every login"]
    failed = service.uninstall(platform="darwin", runner=lambda argv: subprocess.CompletedProcess(
        argv, 5, "", "Boot-out failed: 5: Input/output error"))
    assert failed[0].endswith("failed (Boot-out failed: 5: Input/output error)") and not path.exists()


def test_the_scheduled_task_is_task_scheduler_xml_with_a_logon_trigger(home):
    ran = []
    ws = home / "my work" / "w.sqlite"
    service.install(ws, platform="win32",
                    runner=lambda argv: ran.append(argv) or subprocess.CompletedProcess(argv, 0, "", ""))
    path = home / "AppData" / "Local" / "Switchback" / "switchback-task.xml"
    assert path.read_bytes()[:2] in (b"\xff\xfe", b"\xfe\xff")          # UTF-16 with its byte order mark
    task = ET.fromstring(path.read_text(encoding="utf-16").encode("utf-16"))
    assert task.get("version") == "1.2"
    assert task.find("t:Triggers/t:LogonTrigger/t:Enabled", TASK_NS).text == "true"
    assert task.find("t:Settings/t:ExecutionTimeLimit", TASK_NS).text == "PT0S"
    assert task.find("t:Actions/t:Exec/t:Command", TASK_NS).text == service.program()[0]
    arguments = task.find("t:Actions/t:Exec/t:Arguments", TASK_NS).text
    assert arguments == subprocess.list2cmdline([*service.program()[1:], "run", "--serve", "--workspace", str(ws)])
    assert f'"{ws}"' in arguments                                       # the space quoted as Windows splits it
    assert ran == [["schtasks", "/Create", "/TN", "Switchback", "/XML", str(path), "/F"]]
