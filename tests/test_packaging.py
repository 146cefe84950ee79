"""The one-folder desktop bundle: built from this checkout, it runs the commands and opens the
designer without the project's Python environment."""
import json
import subprocess

import httpx
import pytest

from tests.conftest import CONFORMANCE, ROOT

APP = ROOT / "dist" / "Switchback" / "switchback"


@pytest.fixture(scope="module")
def built():
    p = subprocess.run([str(ROOT / "packaging" / "build")], cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-3000:]
    assert APP.exists()
    return APP


def frozen(*args, cwd, **env):
    # A clean environment: no virtualenv, no project on the path; only what the bundle carries.
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8", **env}
    return subprocess.run([str(APP), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300, env=clean)


@pytest.mark.slow
def test_the_built_app_runs_every_kind_of_command_and_opens_its_window(built, tmp_path):
    template = ROOT / "resources" / "templates" / "lead-nurture.journey.json"
    assert frozen("validate", template, cwd=tmp_path).returncode == 0
    case = CONFORMANCE / "wait-event"
    p = frozen("simulate", case / "click.journey.json", "--contacts", case / "contacts.csv", "--events",
               case / "events.jsonl", "--start", "2026-03-10T00:00:00Z", "--days", "5", "--json", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["nodes"]["click-or-nudge"]["engaged"]["entered"] == 1 and len(out["messages"]) == 5
    p = frozen("export-image", template, tmp_path / "nurture.png", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "nurture.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    p = frozen("--check-startup", "2", "--workspace", tmp_path / "w.sqlite", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "window shown in" in p.stdout and "Welcome series" in p.stdout
    print(p.stdout.strip())
    p = frozen("report", "--json", "--workspace", tmp_path / "w.sqlite", cwd=tmp_path)     # scipy and numpy inside
    assert p.returncode == 0, p.stderr
    assert "journeys" in json.loads(p.stdout) and "results" in out
    # The intake server (uvicorn, Starlette) from the bundle: listening, and a call without a key is 401.
    clean = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    server = subprocess.Popen([str(APP), "serve", "--port", "0", "--workspace", str(tmp_path / "w.sqlite")],
                              cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean)
    try:
        line = server.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line + server.stderr.read()
        url = line.split("listening on ")[1].strip()
        assert httpx.post(f"{url}/v1/track", json={"userId": "u", "event": "e"}, timeout=10).status_code == 401
    finally:
        server.terminate()
        server.wait(30)
    assert server.returncode == 0, server.stderr.read()
    bad = frozen("validate", tmp_path / "missing.journey.json", cwd=tmp_path)
    assert bad.returncode == 2 and "no such file" in bad.stdout + bad.stderr
