"""Team mode: the same schema, migrations and scheduler on a real PostgreSQL server, with several
`switchback run` workers sharing one database and two of them killed at random."""
import csv
import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from switchback.app.cli import main
from switchback.runtime.store.models import Delivery, EnrollmentRow, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.conftest import DATA, ROOT
from tests.runtime.test_migrations import REVISIONS
from tests.support import postgres

pytestmark = pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed (.ci/run installs it)")
START = "2026-03-10T00:00:00Z"


@pytest.fixture(scope="module")
def server():
    with postgres.server() as url:
        yield url


def fresh_db(server: str, name: str) -> str:
    import psycopg
    base = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + f"/{name}"


def test_migrations_and_the_conformance_cases_run_the_same_on_postgresql(server, tmp_path, capsys):
    from tests.runtime.test_scheduler import run_case_in_simulator
    url = fresh_db(server, "conformance")
    store = Store(url)
    assert store.revision() == REVISIONS[-1]
    store.close()
    from tests.runtime.test_scheduler import run_case_in_store
    for i, case in enumerate(["quiet-hours", "wait-event", "consent", "reentry"]):
        stored = run_case_in_store(case, fresh_db(server, f"case{i}"), flag="--db")
        assert stored == run_case_in_simulator(case, capsys)


@pytest.mark.slow
def test_four_workers_two_killed_at_random_send_everything_exactly_once(server, tmp_path, capsys):
    url = fresh_db(server, "team")
    people = tmp_path / "contacts.csv"
    n = 20_000
    with people.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "first_name", "phone", "consent_email", "consent_sms"])
        for i in range(n):
            w.writerow([f"p{i}@team.test", f"P{i}", f"+1555{i:07d}", "subscribed", "subscribed"])
    journey = DATA / "crash" / "drip.journey.json"
    for args in (["run", "--fast-forward", "--start", START], ["import", people], ["publish", journey],
                 ["enroll", "drip", "--where", "true"]):
        assert main([*map(str, args), "--db", url]) == 0
    rng = random.Random(11)
    cmd = [sys.executable, "-m", "switchback.app", "run", "--fast-forward", "--db", url]
    workers = [subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(4)]
    killed = 0
    for _ in range(3):                                       # three rounds: kill two, start two
        time.sleep(rng.uniform(1.0, 4.0))
        for victim in rng.sample(range(4), 2):
            if workers[victim].poll() is None:
                workers[victim].send_signal(signal.SIGKILL)
                killed += 1
            workers[victim].wait()
            workers[victim] = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for p in workers:
        p.wait(timeout=900)
        assert p.returncode == 0, p.stderr.read().decode()[-2000:]
    assert killed >= 2, "the workers finished before any could be killed; make the workload bigger"

    capsys.readouterr()
    assert main(["simulate", str(journey), "--contacts", str(people), "--start", START, "--days", "30", "--json"]) == 0
    predicted = json.loads(capsys.readouterr().out)
    want = Counter((m["to"], m["node"], m["at"].replace("Z", "+00:00")) for m in predicted["messages"])
    store = Store(url)
    with store.session() as s:
        outbox = s.scalars(select(OutboxRow)).all()
        assert Counter((m.to, m.node, m.at.isoformat()) for m in outbox) == want
        assert {m.status for m in outbox} == {"sent"}
        handed = Counter(s.scalars(select(Delivery.key)))
        assert set(handed) == {m.key for m in outbox} and max(handed.values()) == 1
        states = Counter(s.execute(select(EnrollmentRow.state, EnrollmentRow.node)).all())
        assert states == Counter({("completed", "last"): n})
    store.close()
