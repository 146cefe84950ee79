"""The intake server killed mid-stream (SPEC 10): `switchback serve` is SIGKILLed at random moments
while four clients send 10,000 events in batches and send again whatever was not answered 200, as
Segment's clients do. Every event a client got its 200 for is in the store, and every event is
there exactly once: a batch committed just before the kill, and sent again, records nothing twice."""
from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from switchback.runtime import sources
from switchback.runtime.store.models import EventRow
from switchback.runtime.store.workspace import Store
from tests.conftest import ROOT
from tests.support.ports import free_port

EVENTS, BATCH, CLIENTS = 10_000, 100, 4


@pytest.mark.slow
def test_serve_killed_at_random_keeps_every_acknowledged_event_exactly_once(tmp_path):
    ws = tmp_path / "w.sqlite"
    store = Store(f"sqlite:///{ws}")
    key = sources.add_source(store, "website")
    port = free_port()
    url = f"http://127.0.0.1:{port}/v1/batch"
    rng = random.Random(15)

    def start() -> subprocess.Popen:
        server = subprocess.Popen([sys.executable, "-m", "switchback.app", "serve", "--port", str(port),
                                   "--workspace", str(ws)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert server.stdout.readline().startswith(b"intake server listening")
        return server

    acknowledged: set[int] = set()
    lock = threading.Lock()

    def client(first: int) -> None:
        with httpx.Client(auth=(key, ""), timeout=5) as http:
            for start_at in range(first, EVENTS, BATCH * CLIENTS):
                numbers = range(start_at, min(start_at + BATCH, EVENTS))
                batch = {"batch": [{"type": "track", "userId": f"c{n % 50}@shop.test", "event": "Item Viewed",
                                    "messageId": f"m-{n}", "properties": {"n": n}} for n in numbers]}
                for _ in range(500):                    # until answered 200, as a client retries
                    try:
                        if http.post(url, json=batch).status_code == 200:
                            with lock:
                                acknowledged.update(numbers)
                            break
                    except httpx.HTTPError:
                        pass
                    time.sleep(0.05)
                else:
                    raise AssertionError(f"batch from {start_at} was never acknowledged")

    server = start()
    kills = 0
    threads = [threading.Thread(target=client, args=(i * BATCH,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    try:
        # a random number of batches answered since the last start, then a random moment: the server
        # is cut mid-stream on a machine of any speed
        while any(t.is_alive() for t in threads) and kills < 30:
            target = len(acknowledged) + rng.randint(1, 6) * BATCH
            while any(t.is_alive() for t in threads) and len(acknowledged) < target:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.01))
            if not any(t.is_alive() for t in threads):
                break
            server.send_signal(signal.SIGKILL)
            server.wait()
            kills += 1
            server = start()
        for t in threads:
            t.join(300)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait()
    assert kills >= 10
    assert acknowledged == set(range(EVENTS))
    with store.session() as s:
        seen = [p["n"] for p in s.scalars(select(EventRow.properties).where(EventRow.type == "item_viewed"))]
    store.close()
    assert len(seen) == EVENTS and set(seen) == set(range(EVENTS))          # none lost, none twice
