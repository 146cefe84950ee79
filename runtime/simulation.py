"""Simulation: journeys run together against contacts and events on a virtual clock, in memory.
Nothing is sent; the messages that would go out are the result (SPEC section 5, `simulate`)."""
from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Callable

from switchback.nodes.outcomes import Did
from switchback.runtime.published import PublishedJourneys, Published
from switchback.runtime.clock import iso
from switchback.runtime.contacts import Event, identity, jsonable, with_defaults
from switchback.runtime.document import Journey
from switchback.runtime.engine import Engine, WorkspaceRules
from switchback.runtime.gc_pause import paused_gc
from switchback.runtime.sample_events import Responses
from switchback.runtime import tally
from switchback.runtime.experiments import MemoryStandings
from switchback.runtime.state import ACTIVE, ContactState, Message, Step

ENTERED = Did.ENTERED                  # read off the enum once: on Python 3.11 each read is slow


@dataclass
class SimulationResult:
    journeys: list[Journey]
    states: dict[str, ContactState]
    messages: list[Message]
    entered: Counter
    steps: int
    timeline: dict[str, list[Step]] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)       # the results' counts (runtime/tally.py)

    def results(self) -> dict[str, Any]:
        """The SPEC 12 object for the whole simulated period."""
        from switchback.runtime.results import assemble
        sums: Counter = Counter()
        for (journey, node, variant, what, _), n in self.counts.items():
            sums[(journey, node, variant, what)] += n
        now: Counter = Counter((e.journey, e.node) for cs in self.states.values() for e in cs.enrollments
                               if e.state == ACTIVE)
        return assemble(self.journeys, sums, now)

    def to_json(self) -> dict[str, Any]:
        nodes = {j.key: {n.id: {"entered": self.entered.get((j.key, n.id), 0)} for n in j.nodes} for j in self.journeys}
        return {
            "journeys": [j.key for j in self.journeys],
            "nodes": nodes,
            "messages": [{"id": i, "contact": m.contact, "journey": m.journey, "node": m.node, "channel": m.channel,
                          "to": m.to, "at": iso(m.at), "payload": m.payload} for i, m in enumerate(self.messages, 1)],
            "contacts": [{"contact": cs.fields.get("email", cs.email), "journey": e.journey, "state": e.state,
                          "node": e.node, "entered_at": iso(e.entered_at), "error": e.error,
                          "fields": jsonable(cs.fields)}
                         for cs in self.states.values() for e in cs.enrollments],
            "steps": self.steps,
            "results": self.results(),
        }


class Cancelled(Exception):
    """The person who started the simulation stopped it."""


def simulate(journeys: list[Journey], contacts: list[dict[str, Any]], events: list[Event], start: datetime,
             days: float, seed: int = 0, rules: WorkspaceRules | None = None, keep_timeline: bool = False,
             progress: Callable[[float], None] | None = None, responses: Responses | None = None,
             cancelled: Callable[[], bool] | None = None) -> SimulationResult:
    """`responses` plays contacts doing what they wait for (the designer's sample events);
    `cancelled` is asked now and then, and a True answer stops the run with Cancelled."""
    with paused_gc():
        return _simulate(journeys, contacts, events, start, days, seed, rules, keep_timeline, progress,
                         responses, cancelled)


def _simulate(journeys, contacts, events, start, days, seed, rules, keep_timeline, progress, responses,
              cancelled) -> SimulationResult:
    published = PublishedJourneys([Published(j, 1) for j in journeys])
    standings = MemoryStandings()
    engine = Engine(published, rules, seed=seed, standings=standings)
    counts: Counter = Counter()
    end = start + timedelta(days=days)
    states: dict[str, ContactState] = {}
    for fields in contacts:
        email = identity(fields["email"])
        states[email] = ContactState(email=email, fields=with_defaults(fields))
    messages: list[Message] = []
    entered: Counter = Counter()
    timeline: dict[str, list[Step]] = {}
    steps = 0
    queue: list[tuple[datetime, int, str]] = []
    pushed: dict[str, datetime] = {}
    replies: list[tuple[datetime, int, Event]] = []         # what `responses` has contacts do, by time
    order = itertools.count()

    def collect(cs: ContactState, now: datetime) -> None:
        nonlocal steps
        if responses:
            for ev in responses.after_step(cs, now):
                if ev.at < end:
                    heapq.heappush(replies, (ev.at, next(order), ev))
        for m in cs.outbox:
            if m.at < end:
                messages.append(m)
        cs.outbox.clear()
        tally.take(cs, counts, standings)
        for s in cs.log:
            if s.what == ENTERED:
                entered[(s.journey, s.node)] += 1
                steps += 1
        if keep_timeline:
            timeline.setdefault(cs.email, []).extend(cs.log)
        cs.log.clear()
        due = cs.next_due()
        if due is not None and due < end and pushed.get(cs.email) != due:
            pushed[cs.email] = due
            heapq.heappush(queue, (due, len(queue), cs.email))

    before, during = [], []
    for ev in sorted(events, key=lambda ev: ev.at):
        (before if ev.at < start else during).append(ev)
    for ev in before:                                   # history only: nothing was running yet
        cs = states.setdefault(ev.contact, ContactState(email=ev.contact, fields=with_defaults({"email": ev.contact})))
        cs.record_event(ev.type, ev.at)
        if ev.type == "contact_updated":
            cs.fields.update(ev.properties)

    manual = tuple(p.key for p in published.ordered if p.by_hand())
    # Admitting everyone is the first tenth of the progress bar: with many contacts it takes a while.
    admitted = 0
    for cs in states.values():
        engine.admit(cs, start, manual)
        collect(cs, start)
        admitted += 1
        if admitted % 500 == 0:
            if cancelled and cancelled():
                raise Cancelled()
            if progress:
                progress(0.1 * admitted / len(states))

    i, total, turns = 0, max(1.0, (end - start).total_seconds()), 0
    while True:
        # The next event is the earlier of the listed ones and the replies `responses` made up.
        listed = during[i] if i < len(during) else None
        reply = replies[0][2] if replies else None
        ev = reply if reply is not None and (listed is None or reply.at < listed.at) else listed
        next_event = ev.at if ev is not None else None
        next_due = queue[0][0] if queue else None
        if next_due is not None and (next_event is None or next_due <= next_event):
            due, _, email = heapq.heappop(queue)
            if pushed.get(email) != due:
                continue                                  # superseded by a later push
            del pushed[email]
            cs = states[email]
            engine.run_due(cs, due)
            collect(cs, due)
            now = due
        elif next_event is not None and next_event < end:
            if ev is listed:
                i += 1
            else:
                heapq.heappop(replies)
            cs = states.get(ev.contact)
            if cs is None:                     # an event may name a contact the CSV does not have
                cs = states[ev.contact] = ContactState(email=ev.contact, fields=with_defaults({"email": ev.contact}))
                engine.admit(cs, ev.at)
            pushed.pop(cs.email, None)
            engine.handle_event(cs, ev)
            collect(cs, ev.at)
            now = ev.at
        else:
            break
        turns += 1
        if turns % 500 == 0:
            if cancelled and cancelled():
                raise Cancelled()
            if progress:
                progress(0.1 + 0.9 * (now - start).total_seconds() / total)
    return SimulationResult(journeys, states, messages, entered, steps, timeline, counts)

