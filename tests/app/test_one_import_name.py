"""The project installs under one import name, switchback.*: a folder on PYTHONPATH that holds
modules called app, runtime, connectors (or any other of our folder names) cannot take their place."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

TEMPLATE = ROOT / "resources" / "templates" / "onboarding.journey.json"
IMPOSTORS = ("app", "runtime", "connectors", "canvas", "nodes", "resources")


@pytest.fixture
def impostors(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    marker = tmp_path / "imported.txt"
    for name in IMPOSTORS:
        (folder / f"{name}.py").write_text(
            f"open({str(marker)!r}, 'a').write({name!r} + '\\n')\nraise SystemExit('impostor {name}')\n")
    return folder, marker


SAMPLE = ROOT / "resources" / "samples" / "contacts.csv"


@pytest.mark.parametrize("args, rc, says", [
    (["--help"], 0, "journeys"),
    (["validate", str(TEMPLATE)], 0, ""),
    (["simulate", str(TEMPLATE), "--contacts", str(SAMPLE), "--days", "3"], 0, "Simulated"),
    (["workspace", "set", "timezone=Europe/Berlin"], 0, "timezone = Europe/Berlin"),
    (["run", "--until-idle"], 0, "steps"),
    (["trace", "nobody@example.com"], 2, "no such workspace"),
])
def test_every_command_runs_the_projects_own_code_whatever_is_on_the_path(impostors, tmp_path, args, rc, says):
    folder, marker = impostors
    env = dict(os.environ, PYTHONPATH=str(folder), SWITCHBACK_HOME=str(tmp_path / "home"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    workspace = ["--workspace", str(tmp_path / "w.sqlite")] if args[0] in ("workspace", "run", "trace") else []
    script = Path(sys.executable).parent / "switchback"
    for cmd in ([str(script)], [sys.executable, "-m", "switchback.app"]):
        p = subprocess.run(cmd + args + workspace, cwd=folder, env=env, capture_output=True, text=True,
                           timeout=120)
        assert "impostor" not in p.stdout + p.stderr
        assert not marker.exists(), marker.read_text()
        assert "Traceback" not in p.stderr, p.stderr
        assert p.returncode == rc, p.stderr
        assert says in p.stdout + p.stderr
