"""Results benchmark: `switchback report --json` on a workspace of 100,000 contacts and 2,000,000
events (engagement and page views, with the steps and outbox such a history leaves), then the same
with 10x the events. Built with bulk inserts; timed in process (the report's own reading) and as
the command (start-up and scipy's import included), with peak memory. `--scale 0.1` shrinks
contacts and events alike for a quick run; the README says which scale its figures are of. Also
timed: the designer's refresh of the open journey's results (counts, per-day plot, the contacts at
a node, the alerts), which its worker thread runs every few seconds.

    .venv/bin/python bench/report.py [--scale 1] [--keep DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import child_peak                                                        # noqa: E402
from switchback.runtime import results                                   # noqa: E402
from switchback.runtime.store import bulk, repository as repo            # noqa: E402
from switchback.runtime.store.models import Contact, EnrollmentRow, EventRow, OutboxRow, StepRow  # noqa: E402
from switchback.runtime.store import result_counts                       # noqa: E402
from switchback.runtime.store.workspace import CHECKED, Store                     # noqa: E402
from tests.runtime.results_kit import split_journey                      # noqa: E402

START = datetime(2026, 1, 1, tzinfo=timezone.utc)
DAYS = 90
NODES = ("start", "split", "mail_a", "mail_b", "wait")
TARGET, RATIO = 1.0, 2.0
REFRESH_TARGET = 0.1                   # the designer's refresh: well inside its few seconds' period


def build(path: Path, contacts: int, events: int, seed: int = 5) -> None:
    store = Store(f"sqlite:///{path}")
    rng = random.Random(seed)
    with store.session() as s:
        repo.publish(s, split_journey(holdout=10), START)
    counts: Counter = Counter()
    chunk = 50_000
    for lo in range(0, contacts, chunk):
        ids = range(lo + 1, min(contacts, lo + chunk) + 1)
        cs, ens, steps, out = [], [], [], []
        for i in ids:
            at = START + timedelta(seconds=rng.random() * DAYS * 86400)
            day = at.date().isoformat()
            port = "a" if i % 2 else "b"
            state = "active" if i % 7 == 0 else "converted" if i % 13 == 0 else "completed"
            cs.append((i, f"c{i}@example.test", {"email": f"c{i}@example.test"}, [], 1, {}, 1, at, at))
            ens.append((f"e{i}", i, "ab", 1, "wait", state, at, None if state == "active" else at, False, 0,
                        {"v": {"split": port}, "s": [f"mail_{port}"]}))
            for node in ("start", "split", f"mail_{port}", "wait"):
                steps.append((i, f"e{i}", "ab", node, at, "entered", ""))
                counts[("ab", node, "", "entered", day)] += 1
            steps.append((i, f"e{i}", "ab", f"mail_{port}", at, "sent", "email"))
            out.append((f"e{i}/mail_{port}/2", i, "ab", f"mail_{port}", "email", None, f"c{i}@example.test", {},
                        at, "failed" if i % 97 == 0 else "sent", 1))
            counts[("ab", "", "", "enrolled", day)] += 1
            counts[("ab", "split", port, "entered", day)] += 1
            counts[("ab", f"mail_{port}", "", "sent", day)] += 1
            if state != "active":
                counts[("ab", "", "", state, day)] += 1
            if state == "converted":
                counts[("ab", "split", port, "converted", day)] += 1
        with store.session() as s:
            bulk.insert(s, Contact.__table__, cs, ("id", "email", "fields", "timers", "admitted", "history", "version",
                                                   "created_at", "updated_at"))
            bulk.insert(s, EnrollmentRow.__table__, ens, ("id", "contact_id", "journey", "version", "node", "state",
                                                          "entered_at", "ended_at", "held", "seq", "marks"))
            bulk.insert(s, StepRow.__table__, steps, ("contact_id", "enrollment_id", "journey", "node", "at", "what", "detail"))
            bulk.insert(s, OutboxRow.__table__, out, ("key", "contact_id", "journey", "node", "channel", "connector", "to",
                                                      "payload", "at", "status", "attempts"))
    add_events(store, contacts, events, rng, counts)
    with store.session() as s:
        result_counts.add(s, counts)
    store.close()


def add_events(store: Store, contacts: int, events: int, rng: random.Random, counts: Counter) -> None:
    types = ("page_view", "page_view", "email_opened", "email_clicked", "email_delivered")
    done, chunk = 0, 200_000
    while done < events:
        rows = []
        for _ in range(min(chunk, events - done)):
            cid = rng.randrange(1, contacts + 1)
            t = rng.choice(types)
            at = START + timedelta(seconds=rng.random() * DAYS * 86400)
            props = {"journey": "ab", "node": f"mail_{'a' if cid % 2 else 'b'}"} if t != "page_view" else {"url": "/"}
            rows.append((cid, t, at, props, True))
        with store.session() as s:
            bulk.insert(s, EventRow.__table__, rows, ("contact_id", "type", "at", "properties", "processed"))
        done += len(rows)
    # Engagement counted once per contact and node, as the tally would have: a share of the contacts.
    for t, what in (("email_opened", "opened"), ("email_clicked", "clicked"), ("email_delivered", "delivered")):
        share = 1 - (1 - 1 / contacts) ** (events / 5)
        for port in ("a", "b"):
            counts[("ab", f"mail_{port}", "", what, START.date().isoformat())] += int(contacts / 2 * share)


def command(path: Path) -> tuple[float, float]:
    """(seconds, peak MB) of one `report --json` as a process of its own."""
    t = time.perf_counter()
    p = child_peak.start("report", "--json", "--workspace", str(path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, err = p.communicate()
    took = time.perf_counter() - t
    assert p.returncode == 0, child_peak.without_mark(err.decode())
    return took, child_peak.peak_mb(err)


def measure(path: Path) -> tuple[float, tuple[float, float], tuple[float, float]]:
    """(in-process seconds of the report, best of three; the command the first time in a day, which
    reads every page of the file to check it, as (seconds, peak MB); the command after that, best
    of three, as (seconds, peak MB))."""
    os.sync()           # the gigabytes just written reach the disk first: a workspace that grew over months
    store = Store(f"sqlite:///{path}")
    with store.engine.begin() as conn:          # no whole-file check on record: the next command makes one
        conn.exec_driver_sql("DELETE FROM settings WHERE key = ?", (CHECKED,))
    inner = []
    for _ in range(3):
        t = time.perf_counter()
        results.journey_results(store)
        inner.append(time.perf_counter() - t)
    store.close()
    first = command(path)
    later = [command(path) for _ in range(3)]
    return min(inner), first, (min(t for t, _ in later), max(m for _, m in later))


def designer_refresh(path: Path) -> tuple[float, float, float]:
    """(seconds of the every-3-s refresh, seconds of the full one, peak MB Python allocated), best of
    three, with the wait node chosen. The full one also reads the alerts and the contacts at the node:
    the window asks for those when the node or the search changes, and every 30 s."""
    import tracemalloc

    from switchback.app.live_results import compute
    store = Store(f"sqlite:///{path}")
    draft = split_journey(holdout=10).dumps()
    now = START + timedelta(days=DAYS)
    quick, full = [], []
    tracemalloc.start()
    for _ in range(3):
        t = time.perf_counter()
        live = compute(store, "ab", draft, "wait", "", now, slow=True)
        full.append(time.perf_counter() - t)
        t = time.perf_counter()
        compute(store, "ab", draft, "wait", "", now, slow=False)
        quick.append(time.perf_counter() - t)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    store.close()
    assert live.shown and live.contacts, "the refresh read nothing"
    return min(quick), min(full), peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--keep", type=Path)
    a = ap.parse_args()
    contacts, events = int(100_000 * a.scale), int(2_000_000 * a.scale)
    with tempfile.TemporaryDirectory(dir=a.keep) as tmp:
        path = Path(tmp) / "bench.sqlite"
        t = time.perf_counter()
        build(path, contacts, events)
        print(f"built {contacts:,} contacts, {events:,} events in {time.perf_counter() - t:.0f} s")
        inner1, (first1, first_peak1), (outer1, peak1) = measure(path)
        print(f"report: {inner1 * 1000:.0f} ms reading, {outer1:.2f} s as the command (ceiling {TARGET:g} s: "
              f"{outer1 / TARGET:.2f}x), peak {peak1:.0f} MB; the day's first, which checks every page of "
              f"the file: {first1:.2f} s, peak {first_peak1:.0f} MB")
        refresh, full, refresh_peak = designer_refresh(path)
        print(f"designer refresh every 3 s: {refresh * 1000:.0f} ms (target {REFRESH_TARGET * 1000:.0f} ms: "
              f"{refresh / REFRESH_TARGET:.2f}x); with the alerts and the contacts at a node (on a change, "
              f"every 30 s): {full * 1000:.0f} ms; peak {refresh_peak:.1f} MB allocated")
        t = time.perf_counter()
        store = Store(f"sqlite:///{path}")
        add_events(store, contacts, 9 * events, random.Random(9), Counter())
        store.close()
        print(f"added {9 * events:,} more events ({10 * events:,} in all) in {time.perf_counter() - t:.0f} s")
        inner10, (first10, first_peak10), (outer10, peak10) = measure(path)
        print(f"report with 10x the events: {inner10 * 1000:.0f} ms reading, {outer10:.2f} s as the command, "
              f"peak {peak10:.0f} MB; 10x history costs {outer10 / outer1:.2f}x the time "
              f"(ceiling {RATIO:g}x: {outer10 / outer1 / RATIO:.2f} of it); the day's first: {first10:.2f} s, "
              f"peak {first_peak10:.0f} MB")


if __name__ == "__main__":
    main()
