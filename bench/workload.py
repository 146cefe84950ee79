"""The engine benchmarks' workload: the contacts and the clicks that bench/engine.py and the
peer (bench/peer_spiff.py) both run, so the two measure the same thing."""
from __future__ import annotations

import random
from datetime import datetime, timezone

from switchback.runtime.contacts import Event

START = datetime(2026, 3, 10, tzinfo=timezone.utc)
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", None]


def contacts(n: int) -> list[dict]:
    rng = random.Random(1)
    out = []
    for i in range(n):
        c = {"email": f"c{i}@bench.test", "first_name": f"C{i}", "company": f"Co {i % 977}", "phone": f"+1555{i:07d}",
             "employees": rng.choice([5, 50, 500, 5000]), "consent_email": "subscribed", "consent_sms": "subscribed"}
        if ZONES[i % 4]:
            c["timezone"] = ZONES[i % 4]
        out.append(c)
    return out


def clicks(n: int) -> list[Event]:
    rng = random.Random(2)
    return [Event(f"c{i}@bench.test", "email_clicked", START.replace(day=11, hour=rng.randrange(24)), {})
            for i in range(0, n, 3)]
