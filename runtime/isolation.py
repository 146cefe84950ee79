"""One contact's trouble stays that contact's (SPEC 3: a run-time failure parks that contact at
that node with the reason, and nothing else stops).

The engine already parks a contact whose node, condition or template fails. What can still escape
it is handled here, for the scheduler's batch: a failure the engine did not contain (a bug, a
trigger's date past the calendar), and a row the store refuses (too big for it). The batch is
stepped and saved under a savepoint; if the store refuses it, the batch is rolled back to that
savepoint and done again contact by contact, each under its own, so one contact's row cannot take
the others with it. A contact whose row is refused again is stepped once more and the enrollment
that made the most is parked, what it made dropped; if that is refused too, every enrollment the
visit touched is parked and its field changes dropped. Parked enrollments end in `error` with the
store's reason, which `switchback trace` shows.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from switchback.nodes.outcomes import Did
from switchback.runtime.engine import Engine
from switchback.runtime.state import ERROR, ContactState, Step
from switchback.runtime.store import repository as repo
from switchback.runtime.store.repository import Loaded

Fresh = Callable[[int, int], Loaded]          # (contact id, version) -> its state read again from the store


def one_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0][:300]}" if text else type(error).__name__


def visit(engine: Engine, item: Loaded, now: datetime, generation: int) -> None:
    """What the scheduler does for one claimed contact: its events in order, then what is due."""
    cs = item.state
    for event in item.events:
        engine.run_due(cs, event.at)
        engine.handle_event(cs, event)
    if item.admitted != generation:
        engine.admit(cs, now)
    engine.run_due(cs, now)


def visit_or_park(engine: Engine, item: Loaded, now: datetime, generation: int, fresh: Fresh) -> Loaded:
    """`visit`, or when it raises, the contact read again and parked where it was due."""
    try:
        visit(engine, item, now, generation)
        return item
    except Exception as err:                   # not contained by the engine: park this contact only
        item = fresh(item.id, item.version)
        _park_due(item.state, now, f"failed: {one_line(err)}")
        return item


def _park_due(cs: ContactState, now: datetime, reason: str) -> None:
    """End in `error` what was due, and stop the timers that were due, noting why on the timeline."""
    parked = False
    for e in cs.active():
        if e.due is not None and e.due <= now:
            e.state, e.error, e.ended_at, e.due, e.dirty = ERROR, reason, now, None, True
            cs.log.append(Step(now, cs.email, e.journey, e.node, Did.ERROR, reason, e.id))
            parked = True
    for slot, at in cs.timers.items():
        if at is not None and at <= now:
            cs.timers[slot] = None
            cs.log.append(Step(now, cs.email, slot[0], slot[1], Did.ERROR, f"trigger {reason}", None))
            parked = True
    if not parked:                              # it failed on an event: say so, the event is spent
        cs.log.append(Step(now, cs.email, None, None, Did.ERROR, f"events not handled: {reason}", None))


def _park_unstorable(cs: ContactState, now: datetime, reason: str) -> None:
    """The visit's changes were refused by the store: keep none of them but the enrollments it
    touched, each ended in `error` at the node that made what was refused."""
    made_at = {m.key.split("/", 1)[0]: m.node for m in cs.outbox}
    cs.log.clear()
    cs.outbox.clear()
    cs.fields_dirty = False
    for e in cs.enrollments:
        if e.dirty:
            e.node = made_at.get(e.id, e.node)
            e.state, e.error, e.ended_at, e.due, e.dirty = ERROR, reason, now, None, True
            cs.log.append(Step(now, cs.email, e.journey, e.node, Did.ERROR, reason, e.id))
    if not cs.log:
        cs.log.append(Step(now, cs.email, None, None, Did.ERROR, reason, None))


def _park_largest(cs: ContactState, now: datetime, reason: str) -> None:
    """First try: the enrollment that made the most (messages, notes) is the one refused; park it
    alone, dropping what it made, and keep the rest of the visit."""
    made: dict[str, int] = {}
    for m in cs.outbox:
        made[m.key.split("/", 1)[0]] = made.get(m.key.split("/", 1)[0], 0) + len(repr(m.payload))
    for x in cs.log:
        if x.enrollment is not None:
            made[x.enrollment] = made.get(x.enrollment, 0) + len(x.detail)
    culprit = max(made, key=made.get, default=None)
    for e in cs.enrollments:
        if e.id == culprit:
            nodes = [m.node for m in cs.outbox if m.key.startswith(e.id + "/")]
            cs.outbox[:] = [m for m in cs.outbox if not m.key.startswith(e.id + "/")]
            cs.log[:] = [x for x in cs.log if x.enrollment != e.id]
            e.node = nodes[0] if nodes else e.node
            e.state, e.error, e.ended_at, e.due, e.dirty = ERROR, reason, now, None, True
            cs.log.append(Step(now, cs.email, e.journey, e.node, Did.ERROR, reason, e.id))


def _counts(batch: list[Loaded]) -> tuple[int, int]:
    entered = Did.ENTERED                   # read off the enum once: on Python 3.11 each read is slow
    steps = sum(1 for item in batch for x in item.state.log if x.what == entered)
    return steps, sum(len(item.state.outbox) for item in batch)


def _refused(err: DBAPIError) -> bool:
    """A row the store refuses (too big, a constraint), not the store failing (locked, disk full,
    connection lost): only the former is one contact's."""
    return not isinstance(err, OperationalError)


def run_batch(s: Session, engine: Engine, batch: list[Loaded], now: datetime, generation: int,
              fresh: Fresh) -> tuple[list[Loaded], int, int]:
    """Step and save the claimed contacts in the caller's transaction. Returns the contacts whose
    state in memory is now the store's (to keep for the next visit), the steps taken and the
    messages queued."""
    versions = [(item.id, item.version) for item in batch]
    try:
        with s.begin_nested():
            batch = [visit_or_park(engine, item, now, generation, fresh) for item in batch]
            steps, messages = _counts(batch)
            repo.save(s, batch, now, generation)
        return batch, steps, messages
    except DBAPIError as err:
        if not _refused(err):
            raise
    kept: list[Loaded] = []
    steps = messages = 0
    for cid, version in versions:               # one by one: only the contact refused is parked
        try:
            with s.begin_nested():
                item = visit_or_park(engine, fresh(cid, version), now, generation, fresh)
                counts = _counts([item])
                repo.save(s, [item], now, generation)
            kept.append(item)
            steps, messages = steps + counts[0], messages + counts[1]
            continue
        except DBAPIError as err:
            if not _refused(err):
                raise
            reason = f"could not be stored: {one_line(err.orig or err)}"
        try:
            with s.begin_nested():
                item = visit_or_park(engine, fresh(cid, version), now, generation, fresh)
                _park_largest(item.state, now, reason)
                repo.save(s, [item], now, generation)
            continue
        except DBAPIError as err:
            if not _refused(err):
                raise
        with s.begin_nested():
            item = visit_or_park(engine, fresh(cid, version), now, generation, fresh)
            _park_unstorable(item.state, now, reason)
            repo.save(s, [item], now, generation)   # refused again: the store's own trouble, raised
    return kept, steps, messages

