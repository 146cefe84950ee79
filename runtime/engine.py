"""The engine: what happens to one contact when an event arrives, a field changes, or time passes.

It decides; it does not store. It works on a ContactState and records on it what it did (new
messages in its outbox, lines in its log). The same code runs under the simulator (in memory, on a
virtual clock) and under the scheduler (rows from the store, on the wall clock).
"""
from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Any, Callable, Protocol
from zoneinfo import ZoneInfo

from switchback.nodes.outcomes import Did, End, Go, Park, Wait
from switchback.nodes.triggers import EventArrived, FieldsChanged
from switchback.runtime import experiments, holds, sandbox
from switchback.runtime.published import PublishedJourneys, Published
from switchback.runtime.contacts import Event
from switchback.runtime.limits import MAX_STEPS
from switchback.runtime.sandbox import Fields, RunError
from switchback.runtime.settings import FrequencyCap, QuietHours
from switchback.runtime.tracking import UNSUBSCRIBE_MARK
from switchback.runtime.state import ACTIVE, COMPLETED, CONVERTED, ERROR, EXITED, ContactState, Enrollment, Message, Step

CONSENT_FIELD = {"email": "consent_email", "sms": "consent_sms"}     # channels that reach the contact
ADDRESS_FIELD = {"email": "email", "sms": "phone"}
ENROLL_EVENT = "switchback.enroll"                                   # how a manual enrollment is queued
OWN_EMAIL = ("email_opened", "email_clicked")      # a wait for these with no `where` waits for its journey's emails
_ENDED = {COMPLETED: Did.COMPLETED, EXITED: Did.EXITED, CONVERTED: Did.CONVERTED, ERROR: Did.ERROR}


@dataclass
class WorkspaceRules:
    timezone: tzinfo = timezone.utc
    quiet_hours: QuietHours | None = None
    frequency_cap: FrequencyCap | None = None


class Pools(Protocol):
    """Round-robin turns and owner loads: the one piece of state shared across contacts."""
    def next_in_pool(self, pool_key: str, pool: list[str], capacity: int | None) -> str | None: ...


class MemoryPools:
    def __init__(self):
        self.turns: dict[str, int] = {}
        self.loads: dict[str, int] = {}

    def next_in_pool(self, pool_key: str, pool: list[str], capacity: int | None) -> str | None:
        start = self.turns.get(pool_key, 0)
        for i in range(len(pool)):
            owner = pool[(start + i) % len(pool)]
            if capacity is None or self.loads.get(owner, 0) < capacity:
                self.turns[pool_key] = (start + i + 1) % len(pool)
                self.loads[owner] = self.loads.get(owner, 0) + 1
                return owner
        return None


_ZONES: dict[str, tzinfo] = {}


def zone_of(fields: dict[str, Any], default: tzinfo) -> tzinfo:
    name = fields.get("timezone")
    if not name:
        return default
    zone = _ZONES.get(name)
    if zone is None:
        try:
            zone = _ZONES[name] = ZoneInfo(name)
        except Exception:
            return default
    return zone


class Engine:
    def __init__(self, published: PublishedJourneys, rules: WorkspaceRules | None = None, pools: Pools | None = None,
                 seed: int = 0, new_id: Callable[[], str] | None = None,
                 standings: experiments.Standings | None = None):
        self.published, self.standings = published, standings     # standings: what optimized splits read
        self.rules = rules or WorkspaceRules()
        self.pools = pools or MemoryPools()
        self.seed = seed
        counter = iter(range(1, 1 << 62))
        self.new_id = new_id or (lambda: str(next(counter)))

    # --- stimuli -------------------------------------------------------------------------------

    def admit(self, cs: ContactState, now: datetime, manual: tuple[str, ...] = ()) -> None:
        """A contact is new to the engine (imported, or a journey was published): set its timers and
        enter it into segment journeys whose condition already holds and into the `manual` journeys
        given, all in priority order."""
        if cs.last_activity is None:
            cs.last_activity = now
        self._set_timers(cs, now, changed=None)
        entries = [(p, node.id, "joined the segment") for p, node in self.published.segments
                   if self._safe_condition(cs, p.kinds[node.id].admits_when(p.configs[node.id]), now)]
        for key in manual:
            p = self.published.current.get(key)
            if p is not None:
                entries.append((p, self._manual_entry(p), "enrolled at the start"))
        self._enter_all(cs, entries, now)
        self.run_due(cs, now)

    def _enter_all(self, cs: ContactState, entries: list[tuple[Published, str, str]], now: datetime,
                   event: dict | None = None) -> None:
        """Contacts that qualify for several journeys at once enter the highest priority first."""
        for p, node_id, why in sorted(entries, key=lambda x: (-x[0].priority, x[0].key)):
            self._enter(cs, p, node_id, now, why, event)

    @staticmethod
    def _manual_entry(p: Published) -> str:
        return (p.by_hand() or p.triggers)[0].id

    def handle_event(self, cs: ContactState, event: Event) -> None:
        now = event.at
        if event.type == ENROLL_EVENT:                      # a person enrolled the contact (CLI, designer, API)
            self.enroll(cs, event.properties.get("journey", ""), now)
            return
        cs.record_event(event.type, now)
        for p, node in self.published.timed:
            if p.kinds[node.id].counts_from_activity:
                cs.timers[(p.key, node.id)] = self._timer(cs, p, node, None, now, now)
        cs.paused = self.published.paused
        for e in cs.active():                                 # a goal may count events: check on each one
            if e.journey in cs.paused:
                continue
            p = self.published.get(e.journey, e.version)
            if p.settings.goal or p.settings.exit_when:
                self._leaves(cs, e, p, now)
        entries = []
        if event.type == "contact_updated":
            before = dict(cs.fields)
            cs.fields.update(event.properties)
            cs.fields_dirty = True
            self._note(cs, now, None, None, Did.UPDATED, ", ".join(f"{k} = {v}" for k, v in event.properties.items()))
            entries = self._changed(cs, before, now)
        names_event = {"type": event.type, "at": event.at, "properties": event.properties}
        for e in cs.active():
            if e.wait_event == event.type and (e.due is None or now < e.due) and e.journey not in cs.paused:
                if not e.wait_where and event.type in OWN_EMAIL and event.properties.get("journey", e.journey) != e.journey:
                    continue                        # another journey's email (one from a file names none)
                p = self.published.get(e.journey, e.version)
                try:
                    if e.wait_where and not self._condition(cs, e, p, e.wait_where, now, names_event):
                        continue
                except RunError as err:                     # parks this contact here; nothing else stops
                    e.due, e.error = None, str(err)
                    self._end(cs, e, ERROR, now, str(err))
                    continue
                self._note(cs, now, e, e.node, Did.LEFT, f"{event.type} came")
                e.event = names_event
                self._move(cs, e, p, e.on_event, now)
        arrived = EventArrived(event.type, event.at, event.properties)
        entries += [(p, node.id, event.type) for p, node in self.published.by_event.get(event.type, ())
                    if self._fires(cs, p, node, arrived, now, names_event)]
        self._enter_all(cs, entries, now, names_event)
        experiments.after_event(self, cs, event)
        self.run_due(cs, now)

    def enroll(self, cs: ContactState, key: str, now: datetime, why: str = "enrolled by hand") -> str:
        """Enroll through the journey's manual trigger; returns what happened, for the trace."""
        p = self.published.current.get(key)
        if p is None:
            return f"not enrolled in {key}: no published journey has that key"
        if key in self.published.stopped:
            self._note(cs, now, None, None, Did.SKIPPED, f"not enrolled in {key}: the journey is {self.published.stopped[key]}")
            return f"not enrolled in {key}: the journey is {self.published.stopped[key]}"
        outcome = self._enter(cs, p, self._manual_entry(p), now, why)
        self.run_due(cs, now)
        return outcome

    def run_due(self, cs: ContactState, now: datetime) -> None:
        """Run everything of this contact that is due at `now`: timers, then enrollments, highest
        priority first, until nothing more is due. A paused journey's steps wait."""
        cs.paused = self.published.paused
        for _ in range(MAX_STEPS):
            fired = False
            for (key, node_id), at in list(cs.timers.items()):
                if at is not None and at <= now:
                    cs.timers[(key, node_id)] = None
                    p = self.published.current.get(key)
                    if p is not None and key not in self.published.stopped and p.journey.node(node_id) is not None:
                        self._enter(cs, p, node_id, now, p.kinds[node_id].title.lower())
                        fired = True
            due = [e for e in cs.enrollments if e.state == ACTIVE and e.due is not None and e.due <= now
                   and e.journey not in cs.paused]
            if not due:
                if not fired:
                    return
                continue
            due.sort(key=lambda e: (-self.published.get(e.journey, e.version).priority, e.due, e.journey))
            for e in due:
                if e.state == ACTIVE and e.due is not None and e.due <= now:
                    self._run(cs, e, now)

    # --- one enrollment ------------------------------------------------------------------------

    def _run(self, cs: ContactState, e: Enrollment, now: datetime) -> None:
        p = self.published.get(e.journey, e.version)
        for _ in range(MAX_STEPS):
            if e.state != ACTIVE or e.due is None or e.due > now:
                return
            if self._leaves(cs, e, p, now):
                return
            if e.waiting:                                   # the wait's time is up
                port = e.on_time
                self._note(cs, now, e, e.node, Did.LEFT, "timeout" if e.wait_event else "wait over")
                self._move(cs, e, p, port, now)
                continue
            kind, config = p.kinds[e.node], p.configs[e.node]
            if kind.channel in CONSENT_FIELD and self._consented(cs, kind.channel):
                held = holds.release(now, cs.sent, p.key, self._zone(cs), p.settings.quiet_hours or self.rules.quiet_hours,
                                     p.settings.frequency_cap, self.rules.frequency_cap)
                if held is not None:
                    e.due, e.held, e.dirty = held[0], True, True
                    self._note(cs, now, e, e.node, Did.HELD, f"held by {held[1]} until {_fmt(held[0])}")
                    return
            e.held = False
            ctx = _Context(self, cs, e, p, now)
            try:
                outcome = experiments.passes(e, kind) or kind.run(ctx, config)
            except RunError as err:
                outcome = Park(str(err))
            except Exception as err:                       # a node's own failure parks only this contact
                outcome = Park(f"{type(err).__name__}: {err}")
            e.seq += 1
            if isinstance(outcome, Go):
                if outcome.note:
                    self._note(cs, now, e, e.node, outcome.did, outcome.note)
                self._move(cs, e, p, outcome.port, now)
            elif isinstance(outcome, Wait):
                if outcome.until is not None and outcome.until <= now and outcome.event is None:
                    self._move(cs, e, p, outcome.on_time, now)
                    continue
                e.due, e.on_time, e.wait_event = outcome.until, outcome.on_time, outcome.event
                e.wait_where, e.on_event, e.dirty = outcome.where, outcome.on_event, True
                what = f"waiting for {outcome.event} until {_fmt(outcome.until)}" if outcome.event else f"waiting until {_fmt(outcome.until)}"
                self._note(cs, now, e, e.node, Did.WAITING, what)
            elif isinstance(outcome, End):
                self._end(cs, e, COMPLETED, now, outcome.note or "reached the end")
            elif isinstance(outcome, Park):
                e.due, e.error = None, outcome.error
                self._end(cs, e, ERROR, now, outcome.error)
            self._drain_changes(cs, now)
        if e.state == ACTIVE and e.due is not None and e.due <= now:      # not when the last step ended it
            self._end(cs, e, ERROR, now, f"more than {MAX_STEPS} steps at once without a wait")

    def _move(self, cs: ContactState, e: Enrollment, p: Published, port: str | None, now: datetime) -> None:
        target = p.next_node(e.node, port or "next")
        e.wait_event = e.wait_where = e.on_event = e.on_time = None
        e.dirty = True
        if target is None:
            self._end(cs, e, COMPLETED, now, "reached the end of the path")
            return
        e.node, e.due = target, now
        self._note(cs, now, e, target, Did.ENTERED, "")

    def _end(self, cs: ContactState, e: Enrollment, state: str, now: datetime, why: str) -> None:
        e.state, e.ended_at, e.dirty = state, now, True
        if state != ERROR:
            e.due = None
        elif e.error is None:                               # the reason travels with the enrollment
            e.error = why
        e.wait_event = e.wait_where = e.on_event = e.on_time = None
        self._note(cs, now, e, e.node, _ENDED[state], why)

    def _leaves(self, cs: ContactState, e: Enrollment, p: Published, now: datetime) -> bool:
        """exit_when and goal, checked before every step."""
        s = p.settings
        try:
            if s.goal and self._condition(cs, e, p, s.goal, now):
                self._end(cs, e, CONVERTED, now, "reached the goal")
                return True
            if s.exit_when and self._condition(cs, e, p, s.exit_when, now):
                self._end(cs, e, EXITED, now, "left: exit_when became true")
                return True
        except RunError as err:
            e.error = str(err)
            self._end(cs, e, ERROR, now, str(err))
            return True
        return False

    # --- entering ------------------------------------------------------------------------------

    def _enter(self, cs: ContactState, p: Published, trigger: str, now: datetime, why: str,
               event: dict | None = None) -> str:
        mine = [x for x in cs.enrollments if x.journey == p.key]
        if any(x.state == ACTIVE for x in mine):
            return f"not enrolled in {p.key}: already in it"
        if mine:
            if p.settings.reentry == "never":
                return f"not enrolled in {p.key}: it allows no re-entry"
            after = p.settings.reentry_after
            last = max(x.entered_at for x in mine)
            if after is not None and now < last + after:
                return f"not enrolled in {p.key}: re-entry allowed from {_fmt(last + after)}"
        for other in cs.active():
            op = self.published.get(other.journey, other.version)
            if op is not None and p.key in op.settings.suppresses:
                self._note(cs, now, None, None, Did.SKIPPED, f"not entered {p.key}: suppressed by {other.journey}")
                return f"not enrolled in {p.key}: suppressed by {other.journey}"
        for other in cs.active():
            if other.journey in p.settings.suppresses:
                self._end(cs, other, EXITED, now, f"left: suppressed by {p.key}")
        e = Enrollment(id=self.new_id(), journey=p.key, version=p.version, contact=cs.email, node=trigger,
                       entered_at=now, due=now, event=event)
        cs.enrollments.append(e)
        experiments.entered(self, cs, p, e, now)
        self._note(cs, now, e, trigger, Did.ENTERED, why)
        return f"enrolled in {p.key}"

    def _fires(self, cs, p, node, stimulus, now, event=None) -> bool:
        ctx = _Context(self, cs, None, p, now, event=event, node_id=node.id)
        try:
            return p.kinds[node.id].fires(ctx, p.configs[node.id], stimulus)
        except RunError as err:
            self._note(cs, now, None, node.id, Did.ERROR, f"{p.key}: trigger failed: {err}")
            return False

    def _changed(self, cs: ContactState, before: dict[str, Any], now: datetime) -> list[tuple[Published, str, str]]:
        """The contact's fields changed: leave on exit/goal, move date timers; returns the journeys
        whose change triggers fire, for the caller to enter with any others in priority order."""
        for e in cs.active():
            p = self.published.get(e.journey, e.version)
            if p.settings.goal or p.settings.exit_when:
                self._leaves(cs, e, p, now)
        stimulus = FieldsChanged(before, dict(cs.fields))
        entries = [(p, node.id, p.kinds[node.id].title.lower()) for p, node in self.published.on_change
                   if self._fires(cs, p, node, stimulus, now)]
        self._set_timers(cs, now, changed={k for k in set(before) | set(cs.fields) if before.get(k) != cs.fields.get(k)})
        return entries

    def _drain_changes(self, cs: ContactState, now: datetime) -> None:
        while cs.changes:
            self._enter_all(cs, self._changed(cs, cs.changes.pop(0), now), now)

    def _set_timers(self, cs: ContactState, now: datetime, changed: set[str] | None) -> None:
        for p, node in self.published.timed:
            slot = (p.key, node.id)
            kind = p.kinds[node.id]
            if not kind.counts_from_activity:                 # a moment read from the contact's fields
                reads = kind.field_refs(p.configs[node.id])
                if slot in cs.timers and (changed is None or changed.isdisjoint(reads)):
                    continue
                ctx = _Context(self, cs, None, p, now, node_id=node.id)
                at = self._timer(cs, p, node, ctx, cs.last_activity, now)
                cs.timers[slot] = at if at is not None and at >= now else None
            elif slot not in cs.timers:
                cs.timers[slot] = self._timer(cs, p, node, None, cs.last_activity or now, now)

    def _timer(self, cs: ContactState, p: Published, node, ctx, since: datetime | None, now: datetime) -> datetime | None:
        """When a time trigger fires for this contact. One whose moment cannot be had (a date
        field near the calendar's end plus an offset) does not fire, and the timeline says why."""
        try:
            return p.kinds[node.id].timer(ctx, p.configs[node.id], since)
        except Exception as err:                   # OverflowError, a bad date field, ...
            cs.log.append(Step(now, cs.email, p.key, node.id, Did.ERROR, f"trigger failed: {type(err).__name__}: {err}", None))
            return None

    # --- helpers -------------------------------------------------------------------------------

    def _zone(self, cs: ContactState) -> tzinfo:
        return zone_of(cs.fields, self.rules.timezone)

    def _consented(self, cs: ContactState, channel: str) -> bool:
        return cs.fields.get(CONSENT_FIELD[channel]) != "unsubscribed"

    def names(self, cs: ContactState, now: datetime, event: dict | None = None, fields: dict | None = None) -> dict[str, Any]:
        names = sandbox.functions(now, cs.count_events, cs.in_journey)
        names["contact"] = Fields(cs.fields if fields is None else fields)
        if event is not None:
            names["event"] = Fields(event)
        return names

    def _condition(self, cs, e, p, expression, now, event=None) -> bool:
        return sandbox.evaluate(expression, self.names(cs, now, event if event is not None else e.event))

    def _safe_condition(self, cs, expression, now) -> bool:
        try:
            return sandbox.evaluate(expression, self.names(cs, now))
        except RunError:
            return False

    def _note(self, cs, now, e, node, what, detail) -> None:
        # Positional: the commonest call in the engine, and keywords cost more than twice as much.
        if e is None:
            cs.log.append(Step(now, cs.email, None, node, what, detail, None))
        else:
            cs.log.append(Step(now, cs.email, e.journey, node, what, detail, e.id))


class _Context:
    """The StepContext (nodes/context.py) of one step of one enrollment."""

    def __init__(self, engine: Engine, cs: ContactState, e: Enrollment | None, p: Published, now: datetime,
                 event: dict | None = None, node_id: str | None = None):
        self.engine, self.cs, self.e, self.p, self.now = engine, cs, e, p, now
        self.event = event if event is not None or e is None else e.event
        self.journey_key = p.key
        self.node_id = node_id or (e.node if e else "")

    def field(self, name: str) -> Any:
        return self.cs.fields.get(name)

    def zone(self) -> tzinfo:
        return self.engine._zone(self.cs)

    def condition(self, expression: str) -> bool:
        return sandbox.evaluate(expression, self.engine.names(self.cs, self.now, self.event))

    def condition_on(self, fields: dict[str, Any], expression: str) -> bool:
        try:
            return sandbox.evaluate(expression, self.engine.names(self.cs, self.now, self.event, fields))
        except RunError:
            return False

    def render(self, template: str) -> str:
        names = {"contact": Fields(self.cs.fields), "journey": {"key": self.p.key, "name": self.p.journey.name},
                 "event": None if self.event is None else Fields(self.event)}
        if self.e is not None and self.p.kinds[self.e.node].channel == "email":
            names["unsubscribe_url"] = UNSUBSCRIBE_MARK     # the sender puts the message's own address here
        return sandbox.render(template, names)

    def stable_fraction(self, salt: str) -> float:
        digest = hashlib.sha256(f"{self.engine.seed}:{self.p.key}:{salt}:{self.cs.email}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    def choose_variant(self, variants: list[tuple[str, float]], optimize: dict[str, Any] | None) -> str:
        return experiments.choose(self, variants, optimize)

    def send(self, channel: str, connector: str | None, message: dict[str, Any]) -> str | None:
        cs, e = self.cs, self.e
        to = message.get("to")
        if channel in CONSENT_FIELD:
            if not self.engine._consented(cs, channel):
                return f"not sent: unsubscribed from {channel}"
            to = cs.fields.get(ADDRESS_FIELD[channel])
            if not to:
                return f"not sent: the contact has no {ADDRESS_FIELD[channel]}"
            cs.sent.append((self.now, self.p.key))
        key = f"{e.id}/{e.node}/{e.seq}"
        cs.outbox.append(Message(key=key, contact=cs.email, journey=self.p.key, node=e.node, channel=channel,
                                 connector=connector, to=to, payload=message, at=self.now))
        self.engine._note(cs, self.now, e, e.node, Did.SENT, f"{channel} to {to}" + (f" via {connector}" if connector else ""))
        return None

    def _change(self, apply: Callable[[], None]) -> None:
        before = dict(self.cs.fields)
        apply()
        if before != self.cs.fields:
            self.cs.fields_dirty = True
            self.cs.changes.append(before)

    def update(self, values: dict[str, Any], add_tags: list[str], remove_tags: list[str]) -> None:
        def apply():
            self.cs.fields.update(values)
            if add_tags or remove_tags:
                tags = [t for t in (self.cs.fields.get("tags") or []) if t not in remove_tags]
                tags += [t for t in add_tags if t not in tags]
                self.cs.fields["tags"] = tags
        self._change(apply)
        shown = [f"{k} = {v}" for k, v in values.items()] + [f"+{t}" for t in add_tags] + [f"-{t}" for t in remove_tags]
        self.engine._note(self.cs, self.now, self.e, self.node_id, Did.UPDATED, ", ".join(shown))

    def add_score(self, points: int, reason: str | None) -> None:
        score = self.cs.fields.get("score")
        self._change(lambda: self.cs.fields.__setitem__("score", (score if isinstance(score, (int, float)) else 0) + points))
        self.engine._note(self.cs, self.now, self.e, self.node_id, Did.UPDATED,
                          f"score {points:+d}" + (f" ({reason})" if reason else "") + f" = {self.cs.fields['score']}")

    def enroll(self, journey_key: str) -> str:
        p = self.engine.published.current.get(journey_key)
        if p is None:
            return f"not enrolled in {journey_key}: no published journey has that key"
        if journey_key in self.engine.published.stopped:
            return f"not enrolled in {journey_key}: the journey is {self.engine.published.stopped[journey_key]}"
        return self.engine._enter(self.cs, p, self.engine._manual_entry(p), self.now, f"enrolled by {self.p.key}")

    def exit_journeys(self, keys: list[str] | None) -> int:
        leaving = [x for x in self.cs.active() if x is not self.e and (keys is None or x.journey in keys)]
        for x in leaving:
            self.engine._end(self.cs, x, EXITED, self.now, f"left: taken out by {self.p.key}")
        return len(leaving)

    def next_in_pool(self, pool: list[str], capacity: int | None) -> str | None:
        return self.engine.pools.next_in_pool(f"{self.p.key}/{self.node_id}", pool, capacity)


@functools.lru_cache(maxsize=4096)       # a batch's notes share a few moments
def _fmt(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"
