"""Engine benchmark: 100,000 contacts through a ten-node journey.

Prints: the time to simulate 30 days for them (in memory, `switchback simulate`'s path), steps and
enrollments per second through the SQLite scheduler (`switchback run`'s path), peak memory, and the
same workload's instances per second in SpiffWorkflow (the peer engine) when it is installed.

    .venv/bin/python bench/engine.py [--contacts 100000] [--skip-store] [--skip-peer]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from switchback.runtime import document                                   # noqa: E402
from switchback.runtime.clock import VirtualClock                         # noqa: E402
from switchback.runtime.simulation import simulate                        # noqa: E402
from switchback.runtime.contacts import Event                             # noqa: E402
from bench.workload import START, clicks, contacts             # noqa: E402

HERE = Path(__file__).resolve().parent
def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_simulation(n: int) -> float:
    journey = document.load(HERE / "ten_node.journey.json")
    people, events = contacts(n), clicks(n)
    t = time.perf_counter()
    result = simulate([journey], people, events, START, 30)
    took = time.perf_counter() - t
    print(f"simulate 30 days, {n:,} contacts: {took:.1f} s  ({result.steps:,} steps, {len(result.messages):,} messages, "
          f"{result.steps / took:,.0f} steps/s)  peak memory {peak_mb():,.0f} MB")
    return n / took


def bench_store(n: int) -> float:
    from switchback.runtime.scheduler import Scheduler
    from switchback.runtime.store import repository as repo
    from switchback.runtime.store.workspace import Store
    journey = document.load(HERE / "ten_node.journey.json")
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(f"sqlite:///{tmp}/bench.sqlite")
        with store.session() as s:
            repo.import_contacts(s, contacts(n), START)
            repo.publish(s, journey, START)
        from switchback.runtime.engine import ENROLL_EVENT
        with store.session() as s:
            repo.record_events(s, [Event(f"c{i}@bench.test", ENROLL_EVENT, START, {"journey": "ten-node"})
                                   for i in range(n)], START)
            repo.record_events(s, clicks(n), START)
        clock = VirtualClock(START)
        scheduler = Scheduler(store, clock)              # as `switchback run` makes it
        from switchback.runtime.gc_pause import settle_for_a_long_run
        settle_for_a_long_run()                          # as `switchback run` does before it starts
        t = time.perf_counter()
        total = scheduler.run(fast_forward=True)
        took = time.perf_counter() - t
        print(f"SQLite scheduler, {n:,} contacts over their whole journey: {took:.1f} s, {total.steps:,} steps "
              f"({total.steps / took:,.0f} steps/s), {n / took:,.0f} enrollments/s, {total.messages:,} messages "
              f"queued and {total.delivered:,} handed over  peak memory {peak_mb():,.0f} MB")
        store.close()
    return n / took


def bench_peer(n: int) -> float | None:
    try:
        from peer_spiff import run_spiff
    except ImportError as e:
        print(f"SpiffWorkflow: not installed ({e}); pip install -e '.[bench]'")
        return
    took, steps = run_spiff(n)
    print(f"SpiffWorkflow, the same ten-node process, {n:,} instances: {took:.1f} s ({steps / took:,.0f} steps/s, "
          f"{n / took:,.0f} contacts/s)")
    return n / took


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--contacts", type=int, default=100_000)
    ap.add_argument("--skip-store", action="store_true")
    ap.add_argument("--skip-peer", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    ours = bench_simulation(a.contacts)
    stored = None if a.skip_store else bench_store(a.contacts)
    if not a.skip_peer:
        peer = bench_peer(min(a.contacts, 20_000))
        if peer:
            print(f"Switchback simulates {ours / peer:.1f}x as many contacts per second as SpiffWorkflow runs instances")
            if stored:
                print(f"Switchback's SQLite scheduler, committing every step, runs {stored / peer:.1f}x as many contacts "
                      f"per second as SpiffWorkflow runs instances in memory")
