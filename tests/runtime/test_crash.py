"""A real `switchback run` killed with SIGKILL at random moments and restarted, many times over:
afterwards every due message was handed over exactly once and every contact is where it should be."""
import csv
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter

import pytest
from sqlalchemy import select

from switchback.app.cli import main
from switchback.runtime.store.models import Contact, Delivery, EnrollmentRow, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.conftest import DATA, ROOT

START = "2026-03-10T00:00:00Z"
CONTACTS = 8000
KILLS = 25


def work_done(db: sqlite3.Connection) -> int:
    try:
        return db.execute("SELECT (SELECT count(*) FROM steps) + (SELECT count(*) FROM deliveries)").fetchone()[0]
    except sqlite3.OperationalError:                            # busy for a moment: read again next time
        return -1


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_nothing_and_sends_nothing_twice(tmp_path, capsys):
    rng = random.Random(7)
    people = tmp_path / "contacts.csv"
    with people.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "first_name", "phone", "consent_email", "consent_sms"])
        for i in range(CONTACTS):
            w.writerow([f"p{i}@crash.test", f"P{i}", f"+1555{i:07d}", "subscribed", "subscribed"])
    journey = DATA / "crash" / "drip.journey.json"
    ws = str(tmp_path / "w.sqlite")
    for args in (["run", "--fast-forward", "--start", START], ["import", people], ["publish", journey],
                 ["enroll", "drip", "--where", "true"]):
        assert main([*map(str, args), "--workspace", ws]) == 0

    # Each kill lands a random moment after the run's first or second commit of work (step or
    # delivery rows): on a machine of any speed the runs are cut mid-work, not while Python starts.
    db = sqlite3.connect(ws)
    kills = 0
    for _ in range(KILLS):
        before = work_done(db)
        p = subprocess.Popen([sys.executable, "-m", "switchback.app", "run", "--fast-forward", "--workspace", ws],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        seen, commits, deadline = before, rng.randint(1, 2), time.monotonic() + 120
        while p.poll() is None and commits and time.monotonic() < deadline:
            if (now := work_done(db)) > seen:
                seen, commits = now, commits - 1
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.015))
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            kills += 1
        p.wait()
    db.close()
    assert kills >= KILLS // 2, "the runs ended before they could be killed; make the workload bigger"
    final = subprocess.run([sys.executable, "-m", "switchback.app", "run", "--fast-forward", "--workspace", ws],
                           cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert final.returncode == 0, final.stderr

    capsys.readouterr()
    assert main(["simulate", str(journey), "--contacts", str(people), "--start", START, "--days", "30", "--json"]) == 0
    predicted = json.loads(capsys.readouterr().out)
    want = Counter((m["to"], m["node"], m["at"].replace("Z", "+00:00")) for m in predicted["messages"])

    store = Store(f"sqlite:///{ws}")
    with store.session() as s:
        outbox = s.scalars(select(OutboxRow)).all()
        got = Counter((m.to, m.node, m.at.isoformat()) for m in outbox)
        assert got == want                                     # every message the journey owes, once
        assert {m.status for m in outbox} == {"sent"}
        handed = Counter(d.key for d in s.scalars(select(Delivery)))
        assert set(handed) == {m.key for m in outbox}
        assert max(handed.values()) == 1                       # handed to the sender exactly once
        states = Counter((e.state, e.node) for e in s.scalars(select(EnrollmentRow)))
        assert states == Counter({("completed", "last"): CONTACTS})
        scores = Counter(c.fields["score"] for c in s.scalars(select(Contact)))
        assert scores == Counter({10: CONTACTS})
    store.close()
