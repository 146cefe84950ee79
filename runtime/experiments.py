"""Holdouts and optimized splits (SPEC 12), and what a journey's results count beyond its steps:
engagement with a message the contact was sent, and a goal met after the path ended.

What is counted goes on the contact's state (`ContactState.counted`) for runtime/tally.py to add
up with its steps; what an enrollment was given or already counted goes on `Enrollment.marks`:
`h` held out, `v` {split node: port}, `s` nodes that sent it a message, `e` what was counted of
its engagement, `c` converted after its path ended."""
from __future__ import annotations

import hashlib
from collections import Counter
from datetime import datetime
from typing import Any, Protocol

from switchback.nodes.outcomes import Did, Go
from switchback.runtime.contacts import Event
from switchback.runtime.sandbox import RunError
from switchback.runtime.state import COMPLETED, ContactState, Enrollment

HOLDOUT = "holdout"
# Engagement event -> what a node's results count of it (once per enrollment and node).
ENGAGED = {"email_delivered": "delivered", "email_opened": "opened", "email_clicked": "clicked",
           "email_unsubscribed": "unsubscribed", "email_bounced": "bounced", "sms_delivered": "delivered"}
METRIC = {"goal": "converted", "email_opened": "opened", "email_clicked": "clicked"}


class Standings(Protocol):
    """Where an optimized split reads how its variants are doing: entered and successes per port."""
    def standing(self, journey: str, node: str, ports: list[str], what: str) -> list[tuple[int, int]]: ...
    def add(self, journey: str, node: str, variant: str, what: str, n: int = 1) -> None: ...


class MemoryStandings:
    """The simulator's: fed by its tally as the run goes."""

    def __init__(self):
        self.counts: Counter = Counter()

    def standing(self, journey: str, node: str, ports: list[str], what: str) -> list[tuple[int, int]]:
        return [(self.counts[(journey, node, p, what)], self.counts[(journey, node, p, "entered")]) for p in ports]

    def add(self, journey: str, node: str, variant: str, what: str, n: int = 1) -> None:
        self.counts[(journey, node, variant, what)] += n


def _fraction(seed: int, *parts: str) -> float:
    digest = hashlib.sha256(":".join((str(seed), *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def held_out(seed: int, journey: str, email: str, percent: float) -> bool:
    """Stable per contact and journey: the same contact is held out of a journey every time."""
    return percent > 0 and _fraction(seed, "holdout", journey, email) * 100 < percent


def entered(engine, cs: ContactState, p, e: Enrollment, now: datetime) -> None:
    """A contact enrolled: counted, and held out or not."""
    e.marks = {}
    cs.counted.append((p.key, "", "", "enrolled", now))
    if held_out(engine.seed, p.key, cs.email, p.settings.holdout):
        e.marks["h"] = 1
        cs.counted.append((p.key, "", HOLDOUT, "entered", now))


def passes(e: Enrollment, kind) -> Go | None:
    """A held-out contact takes waits and branches but passes actions by without their work."""
    if e.marks and e.marks.get("h") and kind.acts:
        return Go("next", "held out: " + ("not sent" if kind.channel else "not done"), Did.SKIPPED)
    return None


def choose(ctx, variants: list[tuple[str, float]], optimize: dict[str, Any] | None) -> str:
    """The variant of a split for this contact: the one it was given before in this journey;
    else by Thompson sampling once every variant has `min` contacts (optimized); else by weight,
    stably per contact."""
    engine, cs, e, p, node = ctx.engine, ctx.cs, ctx.e, ctx.p, ctx.node_id
    ports = [port for port, _ in variants]
    port = next((x.marks["v"][node] for x in reversed(cs.enrollments)
                 if x.journey == p.key and x.marks and node in (x.marks.get("v") or {})), None)
    if port not in ports:
        port = None
        if optimize is not None and engine.standings is not None:
            standing = engine.standings.standing(p.key, node, ports, METRIC[optimize["metric"]])
            if all(n >= optimize["min"] for _, n in standing):
                from switchback.runtime import stats         # scipy: loaded once a split is optimized
                port = ports[stats.thompson(standing, ctx.stable_fraction(f"{node}:thompson"))]
        if port is None:
            point = ctx.stable_fraction(node) * sum(w for _, w in variants)
            port = ports[-1]
            for name, weight in variants:
                point -= weight
                if point < 0:
                    port = name
                    break
    e.marks = dict(e.marks or {})
    e.marks["v"] = {**e.marks.get("v", {}), node: port}
    e.dirty = True
    cs.counted.append((p.key, node, port, "entered", ctx.now))
    if engine.standings is not None:
        engine.standings.add(p.key, node, port, "entered")
    return port


def after_event(engine, cs: ContactState, event: Event) -> None:
    """Count an engagement event for the message it names, if the contact was sent it; and a goal
    the contact meets now, within the journey's goal window, after its path ended."""
    what = ENGAGED.get(event.type)
    journey, node = event.properties.get("journey"), event.properties.get("node")
    if what and journey and node:
        e = next((x for x in reversed(cs.enrollments)
                  if x.journey == journey and x.marks and node in x.marks.get("s", ())), None)
        if e is not None:
            _engaged(engine, cs, e, node, what, event.at)
    for e in cs.enrollments:
        if e.state != COMPLETED or (e.marks or {}).get("c"):
            continue
        p = engine.published.get(e.journey, e.version)
        if p is None or not p.settings.goal or event.at > e.entered_at + p.settings.goal_after:
            continue
        try:
            met = engine._condition(cs, e, p, p.settings.goal, event.at)
        except RunError:
            continue
        if met:
            e.marks = {**(e.marks or {}), "c": 1}
            e.dirty = True
            engine._note(cs, event.at, e, e.node, Did.CONVERTED, "reached the goal after its path ended, within the goal window")


def _engaged(engine, cs: ContactState, e: Enrollment, node: str, what: str, at: datetime) -> None:
    done = list(e.marks.get("e", ()))
    marks = [f"{node}:{what}"] + [f"*{split}:{what}" for split in (e.marks.get("v") or {})]
    new = [m for m in marks if m not in done]
    if not new:
        return
    e.marks = {**e.marks, "e": done + new}
    e.dirty = True
    for m in new:
        if m.startswith("*"):
            split = m[1:].rsplit(":", 1)[0]
            port = e.marks["v"][split]
            cs.counted.append((e.journey, split, port, what, at))
            if engine.standings is not None:
                engine.standings.add(e.journey, split, port, what)
        else:
            cs.counted.append((e.journey, node, "", what, at))
