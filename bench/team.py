"""Team benchmark: journey steps per second with 1, 2 and 4 `switchback run` workers on one
PostgreSQL database, beside SQLite's single process, on the same workload.

    .venv/bin/python bench/team.py [--contacts 10000]
(needs Debian's postgresql; the server is started on a loopback port in a temporary folder)"""
from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select                                 # noqa: E402

from switchback.app.cli import main                                            # noqa: E402
from switchback.runtime.store.models import StepRow                            # noqa: E402
from switchback.runtime.store.workspace import Store                           # noqa: E402
from tests.support import postgres                                  # noqa: E402

JOURNEY = ROOT / "tests" / "data" / "crash" / "drip.journey.json"
START = "2026-03-10T00:00:00Z"


def prepare(flag: str, target: str, people: Path) -> None:
    for args in (["run", "--fast-forward", "--start", START], ["import", people], ["publish", JOURNEY],
                 ["enroll", "drip", "--where", "true"]):
        with open(os.devnull, "w") as quiet:
            old, sys.stdout = sys.stdout, quiet
            try:
                assert main([*map(str, args), flag, target]) == 0
            finally:
                sys.stdout = old


def run(flag: str, target: str, workers: int) -> float:
    cmd = [sys.executable, "-m", "switchback.app", "run", "--fast-forward", flag, target]
    t = time.perf_counter()
    procs = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL) for _ in range(workers)]
    for p in procs:
        p.wait()
    return time.perf_counter() - t


def steps(url: str) -> int:
    store = Store(url)
    with store.session() as s:
        n = s.scalar(select(func.count(StepRow.id)).where(StepRow.what == "entered"))
    store.close()
    return n


def write_contacts(path: Path, n: int) -> None:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "first_name", "phone", "consent_email", "consent_sms"])
        for i in range(n):
            w.writerow([f"p{i}@bench.test", f"P{i}", f"+1555{i:07d}", "subscribed", "subscribed"])


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=10_000)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    people = tmp / "contacts.csv"
    write_contacts(people, a.contacts)
    rows = []
    ws = tmp / "w.sqlite"
    prepare("--workspace", str(ws), people)
    took = run("--workspace", str(ws), 1)
    rows.append(("SQLite", 1, steps(f"sqlite:///{ws}") / took, took))
    with postgres.server() as server:
        import psycopg
        base = server.replace("postgresql+psycopg://", "postgresql://")
        for workers in (1, 2, 4):
            name = f"bench{workers}"
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")
            url = server.rsplit("/", 1)[0] + f"/{name}"
            prepare("--db", url, people)
            took = run("--db", url, workers)
            rows.append(("PostgreSQL", workers, steps(url) / took, took))
    print(f"{a.contacts:,} contacts through a nine-node journey, {os.cpu_count()} cores, {platform.processor() or platform.machine()}")
    print(f"{'database':<12}{'workers':>8}{'steps/s':>10}{'seconds':>9}")
    for db, workers, rate, took in rows:
        print(f"{db:<12}{workers:>8}{rate:>10,.0f}{took:>9.1f}")
