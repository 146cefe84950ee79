"""How the designer starts `switchback run` beside it: a shared database's password never appears on
the child's command line, where `ps` shows it to anyone on the machine."""
from __future__ import annotations

import subprocess

import pytest

from switchback.app.live import command
from switchback.runtime.store.workspace import open_store
from tests.support import postgres


def test_a_local_workspace_is_named_by_its_file(tmp_path):
    store = open_store(tmp_path / "w.db")
    try:
        argv, _ = command(store, serve=False)
    finally:
        store.close()
    assert argv[-2:] == ["--workspace", str(tmp_path / "w.db")] and "--serve" not in argv


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed")
def test_the_password_of_a_shared_database_goes_in_the_environment_not_the_command_line():
    with postgres.server() as url:
        with_password = url.replace("switchback@", "switchback:pa55-w0rd@")
        store = open_store(db=with_password)
        try:
            argv, env = command(store, serve=False)
        finally:
            store.close()
        assert not any("pa55-w0rd" in a for a in argv)
        assert env["PGPASSWORD"] == "pa55-w0rd"
        done = subprocess.run([*argv, "--until-idle"], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
