"""A throwaway PostgreSQL server for tests: initdb in a temporary folder, listening on a loopback
port, stopped afterwards. Uses Debian's `postgresql` package (`.ci/run` installs it)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def available() -> bool:
    return _bin("initdb") is not None and _bin("pg_ctl") is not None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def server() -> Iterator[str]:
    """Yields a SQLAlchemy URL of a fresh, empty database."""
    root = Path(tempfile.mkdtemp(prefix="switchback-pg-"))
    data = root / "data"
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    port = _free_port()
    subprocess.run(_as_postgres([_bin("initdb"), "-D", str(data), "-U", "switchback", "-A", "trust",
                                 "--no-sync", "-E", "UTF8"]), check=True, capture_output=True)
    log = root / "server.log"
    subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o",
                                 f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
                                 f"-c max_connections=60", "start"]), check=True, capture_output=True)
    try:
        subprocess.run([shutil.which("createdb") or _bin("createdb"), "-h", "127.0.0.1", "-p", str(port),
                        "-U", "switchback", "switchback"], check=True, capture_output=True)
        yield f"postgresql+psycopg://switchback@127.0.0.1:{port}/switchback"
    finally:
        subprocess.run(_as_postgres([_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True)
        shutil.rmtree(root, ignore_errors=True)
