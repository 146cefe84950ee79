"""Seeded journeys and contacts for the results' tests: a split whose variants truly click at
given rates, and a journey whose emails truly raise its goal rate."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from switchback.runtime.contacts import Event
from switchback.runtime.document import Journey, from_dict

START = datetime(2026, 3, 2, tzinfo=timezone.utc)


def split_journey(optimize: dict | None = None, **settings) -> Journey:
    split = {"variants": [{"port": "a", "weight": 50}, {"port": "b", "weight": 50}]}
    if optimize:
        split["optimize"] = optimize
    email = lambda subject: {"connector": "smtp", "subject": subject, "body": "Hi"}   # noqa: E731
    return from_dict({
        "format": "switchback.journey/1", "key": "ab", "name": "A/B",
        "settings": {"goal": "events('email_clicked') >= 1", **settings},
        "nodes": [{"id": "start", "kind": "trigger.event", "config": {"event": "signed_up"}},
                  {"id": "split", "kind": "branch.split", "config": split},
                  {"id": "mail_a", "kind": "action.email", "config": email("A")},
                  {"id": "mail_b", "kind": "action.email", "config": email("B")},
                  {"id": "wait", "kind": "wait.event", "config": {"event": "email_clicked", "timeout": "3d"}}],
        "edges": [{"from": "start", "to": "split"}, {"from": "split", "port": "a", "to": "mail_a"},
                  {"from": "split", "port": "b", "to": "mail_b"}, {"from": "mail_a", "to": "wait"},
                  {"from": "mail_b", "to": "wait"}]})


def holdout_journey(percent: float = 10) -> Journey:
    return from_dict({
        "format": "switchback.journey/1", "key": "nurture", "name": "Nurture",
        "settings": {"goal": "contact.bought == true", "holdout": percent, "goal_window": "30d"},
        "nodes": [{"id": "start", "kind": "trigger.event", "config": {"event": "signed_up"}},
                  {"id": "tag", "kind": "action.update", "config": {"add_tags": ["nurtured"], "set": {"stage": "nurtured"}}},
                  {"id": "mail", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hello", "body": "Hi"}},
                  {"id": "pause", "kind": "wait.delay", "config": {"duration": "1d"}}],
        "edges": [{"from": "start", "to": "tag"}, {"from": "tag", "to": "mail"}, {"from": "mail", "to": "pause"}]})


def contacts(n: int) -> list[dict]:
    return [{"email": f"c{i:05d}@example.test", "first_name": f"C{i}", "consent_email": "subscribed"} for i in range(n)]


def signups(people: list[dict], days: float, seed: int = 1) -> list[Event]:
    """Each contact signs up once, spread evenly over `days` (so later ones enter after earlier results)."""
    rng = random.Random(seed)
    span = timedelta(days=days).total_seconds()
    return [Event(p["email"], "signed_up", START + timedelta(seconds=span * (i + rng.random()) / len(people)), {})
            for i, p in enumerate(people)]


class Clicks:
    """Contacts click the email they got at its variant's true rate, an hour after it came."""

    def __init__(self, rates: dict[str, float], seed: int = 7):
        self.rates, self.seed = rates, seed

    def __bool__(self) -> bool:
        return True

    def after_step(self, cs, now: datetime) -> list[Event]:
        out = []
        for m in cs.outbox:
            rate = self.rates.get(m.node)
            if rate is not None and random.Random(f"{self.seed}:{m.key}").random() < rate:
                out.append(Event(cs.email, "email_clicked", m.at + timedelta(hours=1),
                                 {"journey": m.journey, "node": m.node, "url": "https://example.test/"}))
        return out


class Purchases:
    """Each contact buys, within a week of entering, with the chance the journey gives it: `base`,
    or `treated` once it was sent the email. Decided when it enters the journey's wait."""

    def __init__(self, base: float, treated: float, seed: int = 11):
        self.base, self.treated, self.seed = base, treated, seed
        self.seen: set[str] = set()

    def __bool__(self) -> bool:
        return True

    def after_step(self, cs, now: datetime) -> list[Event]:
        out = []
        for e in cs.enrollments:
            if e.node != "pause" or e.id in self.seen:
                continue
            self.seen.add(e.id)
            got_email = "mail" in (e.marks or {}).get("s", []) or any(m.node == "mail" for m in cs.outbox)
            rng = random.Random(f"{self.seed}:{cs.email}")
            if rng.random() < (self.treated if got_email else self.base):
                out.append(Event(cs.email, "contact_updated", now + timedelta(days=rng.uniform(2, 7)), {"bought": True}))
        return out
