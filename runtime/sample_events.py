"""Sample events for a simulation in the designer: without them a journey that starts on an event
(a form, a sign-up) or waits for one (a click) shows nobody entering, which says nothing about it.

Each trigger or wait says what moves a contact there (its kind's `listens`). From that come the
samples: a share of all contacts do what a trigger reacts to, at random moments early in the
simulated days (or, for a trigger on quiet contacts, were last active long enough before); a
share of the contacts that wait for an event do it while they wait (the simulator plays those as
they happen, see `Responses`); and a date field that the journey waits on but no contact has is
set a few days into the simulation. Everything is seeded: a simulation run twice gives one result."""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from jinja2 import Environment, nodes as jinja
from jinja2.exceptions import TemplateError

from switchback.nodes.durations import parse_duration
from switchback.runtime.contacts import Event, identity
from switchback.runtime.document import Journey
from switchback.runtime.state import ACTIVE
from switchback.runtime.engine import OWN_EMAIL

UPDATED = "contact_updated"          # the event that carries field changes (SPEC section 4)
ACTIVITY = "page_view"               # what a sample contact does to be active, long before a quiet trigger
DATE_AFTER = timedelta(days=3)       # a missing date field is set to this far into the simulation


@dataclass
class Sample:
    """One row of the designer's sample-events table."""
    event: str                        # an event type; `contact_updated` for a field change
    share: float                      # 0..1: of all contacts (`responds` False) or of those waiting for it
    responds: bool = False            # True: done by a contact while it waits for the event
    days: float = 7.0                 # at a random moment within these first days (or, with
    days_before: float = 0.0          # `days_before`, that many days before the start, onwards)
    properties: dict[str, Any] = field(default_factory=dict)
    date_field: str | None = None     # set this field to a date `DATE_AFTER` the start (less `offset`)
    offset: str | None = None

    def what(self) -> str:
        """What the contacts do, to go beside their share."""
        if self.date_field:
            return f"get a {self.date_field} a few days after the start (those without one)"
        if self.days_before:
            return f"were last active {self.days_before:g} days before the start"
        if self.event == UPDATED:
            return ", ".join(f"have {k} become {v}" for k, v in self.properties.items()) + f" in the first {self.days:g} days"
        what = self.event + "".join(f" ({k}: {v})" for k, v in self.properties.items())
        if self.responds:
            return f"of those waiting for {what}, do it before the wait ends"
        return f"do {what} in the first {self.days:g} days"

    def describe(self) -> str:
        return f"{self.share:.0%} " + ("" if self.responds else "of contacts ") + self.what()


def suggest(journeys: list[Journey], contacts: list[dict[str, Any]]) -> list[Sample]:
    """Samples for what the journeys' triggers and waits react to, each once."""
    held = {k for k in set().union(*contacts) if all(c.get(k) not in (None, "") for c in contacts)} if contacts else set()
    out: dict[tuple, Sample] = {}
    for journey in journeys:
        for node in journey.nodes:
            listens = _listens(node)
            if listens is None:
                continue
            responds = not node.declaration.is_trigger
            if listens.event:
                sample = Sample(listens.event, 0.3 if responds else 0.8, responds,
                                properties=properties_meeting(listens.where))
            elif listens.field:
                value = listens.value if listens.value is not None else "sample value"
                sample = Sample(UPDATED, 0.6, properties={listens.field: value})
            elif listens.quiet_days:
                sample = Sample(ACTIVITY, 0.6, days_before=float(listens.quiet_days))
            elif listens.date_field and listens.date_field not in held:
                sample = Sample(UPDATED, 1.0, days=0, date_field=listens.date_field, offset=listens.offset)
            else:
                continue
            key = (sample.event, sample.responds, sample.days_before, sample.date_field,
                   tuple(sorted(map(str, sample.properties.items()))))
            out.setdefault(key, sample)
    return list(out.values())


def properties_meeting(where: str | None) -> dict[str, Any]:
    """Event properties that meet a condition's plain tests (`event.properties.form == 'ebook'`,
    `... in ['ebook', 'guide']`): the first value each test names. Anything else is left out."""
    if not where:
        return {}
    try:
        tree = Environment().parse("{{ (" + where + ") }}")
    except TemplateError:
        return {}
    found: dict[str, Any] = {}
    for compare in tree.find_all(jinja.Compare):
        name = _property_name(compare.expr)
        if name is None or not compare.ops or compare.ops[0].op not in ("eq", "in"):
            continue
        operand = compare.ops[0].expr
        if isinstance(operand, jinja.Const):
            found.setdefault(name, operand.value)
        elif isinstance(operand, (jinja.List, jinja.Tuple)) and operand.items and isinstance(operand.items[0], jinja.Const):
            found.setdefault(name, operand.items[0].value)
    return found


def _property_name(expr: jinja.Node) -> str | None:
    """`event.properties.NAME` or `event.properties['NAME']` -> NAME."""
    if isinstance(expr, jinja.Getattr):
        name, parent = expr.attr, expr.node
    elif isinstance(expr, jinja.Getitem) and isinstance(expr.arg, jinja.Const):
        name, parent = expr.arg.value, expr.node
    else:
        return None
    if (isinstance(parent, jinja.Getattr) and parent.attr == "properties"
            and isinstance(parent.node, jinja.Name) and parent.node.name == "event"):
        return str(name)
    return None


def generate(samples: list[Sample], contacts: list[dict[str, Any]], start: datetime, seed: int = 0) -> list[Event]:
    """The samples that do not wait for a contact to be waiting, as events."""
    events = []
    for n, sample in enumerate(s for s in samples if not s.responds):
        rng = random.Random(f"{seed}:{n}:{sample.event}")
        first = start - timedelta(days=sample.days_before)
        for fields in contacts:
            if sample.date_field:
                if fields.get(sample.date_field) in (None, ""):
                    shift = parse_duration(sample.offset) if sample.offset else timedelta(0)
                    day = (start + DATE_AFTER - shift).date().isoformat()
                    events.append(Event(identity(fields["email"]), UPDATED, start, {sample.date_field: day}))
            elif rng.random() < sample.share:
                at = first + timedelta(seconds=rng.uniform(0, sample.days * 86400))
                events.append(Event(identity(fields["email"]), sample.event, at, dict(sample.properties)))
    return sorted(events, key=lambda e: e.at)


class Responses:
    """Plays the responding samples: when a contact starts waiting for an event that a sample
    names, it does it, with the sample's share as the chance, at a random moment before its wait
    runs out (within two days if the wait has no end)."""

    def __init__(self, samples: list[Sample], seed: int = 0):
        self.samples = {s.event: s for s in samples if s.responds}
        self.seed = seed
        self._seen: set[tuple[str, int]] = set()

    def __bool__(self) -> bool:
        return bool(self.samples)

    def after_step(self, state, now: datetime) -> list[Event]:
        out = []
        for e in state.enrollments:
            sample = self.samples.get(e.wait_event) if e.wait_event else None
            if sample is None or e.state != ACTIVE or (e.id, e.seq) in self._seen:
                continue
            self._seen.add((e.id, e.seq))
            rng = random.Random(f"{self.seed}:{e.id}:{e.seq}")
            if rng.random() >= sample.share:
                continue
            span = (e.due - now) if e.due is not None and e.due > now else timedelta(days=2)
            properties = dict(sample.properties)
            if e.wait_event in OWN_EMAIL:           # a click or open of this journey's email, as tracking records it
                properties["journey"] = e.journey
            out.append(Event(state.email, e.wait_event, now + span * rng.uniform(0.05, 0.9), properties))
        return out


def _listens(node):
    """What moves a contact at this node; None for a node still being edited (its config does not parse)."""
    try:
        return node.declaration.listens(node.parsed()) if node.declaration else None
    except Exception:
        return None


def why_nobody_entered(journey: Journey, events: list[Event]) -> str:
    """What a marketer reads when a simulation enrolled nobody: what each trigger waited for."""
    had = {e.type for e in events}
    changed = {k for e in events if e.type == UPDATED for k in e.properties}
    reasons = []
    for node in journey.triggers():
        listens = _listens(node)
        name = node.title
        if listens is not None and listens.event and listens.event not in had:
            reasons.append(f"no contact had the event {listens.event}")
        elif listens is not None and listens.field and listens.field not in changed:
            reasons.append(f"no contact's {listens.field} changed")
        else:
            reasons.append(f"no contact met “{name}” in the simulated days")
    return "Nobody entered: " + ("; ".join(reasons) if reasons else "the journey has no trigger") + "."
