"""Starting `switchback run --serve` at login, as each platform documents it (SPEC 9):

- Linux: a systemd user unit in $XDG_CONFIG_HOME/systemd/user (systemd.unit(5), systemd.service(5)),
  enabled with `systemctl --user enable --now` when a user manager answers.
- macOS: a launchd agent in ~/Library/LaunchAgents (launchd.plist(5)), loaded with `launchctl bootstrap`.
- Windows: a Task Scheduler task (the Task Scheduler 1.2 XML schema) with a logon trigger, registered
  with `schtasks /Create /XML`.

Each install says in plain words what it wrote and what the platform's tool did, or why it did not."""
from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable
from xml.sax.saxutils import escape

NAME = "switchback"
LABEL = "org.switchback.run"
TASK = "Switchback"
Runner = Callable[[list[str]], subprocess.CompletedProcess]


def program() -> list[str]:
    """How this installation starts itself: the packaged app, or this Python with the package."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "switchback.app"]


def command_line(workspace: Path) -> list[str]:
    return [*program(), "run", "--serve", "--workspace", str(workspace)]


# --- the three files -------------------------------------------------------------------------------

def _systemd_quote(arg: str) -> str:
    """systemd.service(5) command lines: words in double quotes, with \\ and \" escaped, and % doubled
    (a specifier otherwise)."""
    arg = arg.replace("%", "%%")
    if arg and not any(c in arg for c in ' \t"\'\\;$'):
        return arg
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"'


def systemd_unit(argv: list[str]) -> str:
    return "\n".join([
        "[Unit]",
        "Description=Switchback: run the workspace's journeys and receive its events",
        "",
        "[Service]",
        "Type=simple",
        "ExecStart=" + " ".join(_systemd_quote(a) for a in argv),
        "Restart=on-failure",
        "RestartSec=10",
        "",
        "[Install]",
        "WantedBy=default.target",
        ""])


def launchd_plist(argv: list[str], logs: Path) -> bytes:
    return plistlib.dumps({
        "Label": LABEL,
        "ProgramArguments": argv,
        "RunAtLoad": True,
        "KeepAlive": {"SuccessfulExit": False},      # started again only after a crash
        "ProcessType": "Background",
        "StandardOutPath": str(logs / "switchback.log"),
        "StandardErrorPath": str(logs / "switchback.log"),
    })


def _windows_arguments(args: list[str]) -> str:
    return subprocess.list2cmdline(args)


def task_xml(argv: list[str]) -> str:
    """Task Scheduler schema 1.2: at the user's logon, no time limit, never two at once, on battery too."""
    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Switchback: run the workspace's journeys and receive its events</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <StartWhenAvailable>true</StartWhenAvailable>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>3</Count>
    </RestartOnFailure>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{escape(argv[0])}</Command>
      <Arguments>{escape(_windows_arguments(argv[1:]))}</Arguments>
    </Exec>
  </Actions>
</Task>
"""


# --- where they go, and the platform's tool --------------------------------------------------------

def _home() -> Path:
    return Path(os.environ.get("HOME") or Path.home())


def systemd_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(_home() / ".config")
    return Path(base) / "systemd" / "user" / f"{NAME}.service"


def launchd_path() -> Path:
    return _home() / "Library" / "LaunchAgents" / f"{LABEL}.plist"


def task_path() -> Path:
    base = os.environ.get("LOCALAPPDATA") or str(_home() / "AppData" / "Local")
    return Path(base) / "Switchback" / "switchback-task.xml"


def _run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60)


def _tool(runner: Runner, argv: list[str], done: str) -> str:
    """One line: what the tool did, or why it could not."""
    if shutil.which(argv[0]) is None and runner is _run:
        return f"{argv[0]} is not on this machine: {' '.join(argv)} was not run"
    try:
        p = runner(argv)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"{' '.join(argv)} could not run ({e})"
    if p.returncode != 0:
        why = ((p.stderr or p.stdout or "").strip().splitlines() or ["no message"])[-1]
        return f"{' '.join(argv)} failed ({why})"
    return done


def install(workspace: Path, platform: str = sys.platform, runner: Runner = _run) -> list[str]:
    """Writes the platform's file and asks its tool to start it at login; returns what happened."""
    argv = command_line(workspace.resolve())
    if platform.startswith("linux"):
        path = systemd_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(systemd_unit(argv))
        said = [f"wrote the systemd user unit {path}"]
        reload = _tool(runner, ["systemctl", "--user", "daemon-reload"], "")
        if reload:
            return said + [reload, f"to start it at login: systemctl --user enable --now {NAME}.service"]
        return said + [_tool(runner, ["systemctl", "--user", "enable", "--now", f"{NAME}.service"],
                             f"enabled and started {NAME}.service: it starts at every login")]
    if platform == "darwin":
        path = launchd_path()
        logs = _home() / "Library" / "Logs" / "Switchback"
        logs.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(launchd_plist(argv, logs))
        return [f"wrote the launchd agent {path}",
                _tool(runner, ["launchctl", "bootstrap", f"gui/{os.getuid()}", str(path)],
                      f"loaded {LABEL}: it starts at every login")]
    if platform.startswith("win"):
        path = task_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(task_xml(argv), encoding="utf-16")
        return [f"wrote the scheduled task {path}",
                _tool(runner, ["schtasks", "/Create", "/TN", TASK, "/XML", str(path), "/F"],
                      f"registered the task {TASK}: it starts at every logon")]
    return [f"no way to start at login is known for {platform}: run `{shlex.join(argv)}` yourself"]


def uninstall(platform: str = sys.platform, runner: Runner = _run) -> list[str]:
    if platform.startswith("linux"):
        path = systemd_path()
        said = [_tool(runner, ["systemctl", "--user", "disable", "--now", f"{NAME}.service"],
                      f"stopped and disabled {NAME}.service")]
        gone = _remove(path, "the systemd user unit")
        _tool(runner, ["systemctl", "--user", "daemon-reload"], "")
        return said + [gone]
    if platform == "darwin":
        path = launchd_path()
        return [_tool(runner, ["launchctl", "bootout", f"gui/{os.getuid()}", str(path)], f"unloaded {LABEL}"),
                _remove(path, "the launchd agent")]
    if platform.startswith("win"):
        return [_tool(runner, ["schtasks", "/Delete", "/TN", TASK, "/F"], f"deleted the task {TASK}"),
                _remove(task_path(), "the scheduled task's file")]
    return [f"nothing was installed for {platform}"]


def _remove(path: Path, what: str) -> str:
    if not path.exists():
        return f"{what} {path} was not there"
    path.unlink()
    return f"removed {what} {path}"
