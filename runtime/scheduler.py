"""The scheduler: claim the contacts that have something due, run the engine on them, commit
their state, step log and outbox together (a step batch); then, apart, hand the outbox to the
senders (a delivery). How work is claimed, leased and recovered is runtime/queue.py.
"""
from __future__ import annotations

import itertools
import os
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

from switchback.runtime import engine_inputs, isolation, queue
from switchback.runtime.clock import Clock
from switchback.runtime.engine import Engine
from switchback.runtime.gc_pause import paused_gc
from switchback.runtime.outbox import RecordingSender, SenderFor, deliver
from switchback.runtime.store import repository as repo
from switchback.runtime.store.counters import StorePools
from switchback.runtime.store.result_counts import StoreStandings
from switchback.runtime.store.state_cache import StateCache
from switchback.runtime.store.workspace import Store


@dataclass
class Tick:
    contacts: int = 0
    steps: int = 0
    messages: int = 0
    delivered: int = 0


class Scheduler:
    def __init__(self, store: Store, clock: Clock, sender_for: SenderFor | None = None, batch: int = 2000,
                 kept: int = 200_000):
        self.store = store
        self.clock = clock
        self.batch = batch
        recorder = RecordingSender(store)
        self.sender_for = sender_for or (lambda channel, connector: recorder)
        self.worker = f"{socket.gethostname()}:{os.getpid()}"
        self._generation = -1
        self._published = None
        # Enrollment ids: this scheduler's random half, then a count. Unique across workers and
        # restarts like a UUID, but in creation order, so the indexes that hold them grow at one end.
        self._id_prefix = uuid.uuid4().hex[:16]
        self._id_count = itertools.count()
        self._kept = StateCache(kept)                   # the state of up to `kept` contacts, between visits
        self._last_now = None
        self._stop: Callable[[], bool] = lambda: False     # run()'s: a hand-off in progress finishes, the rest wait

    def _new_id(self) -> str:
        return f"{self._id_prefix}{next(self._id_count):016x}"

    def _engine(self, s) -> tuple[Engine, int]:
        generation = repo.generation(s)
        if generation != self._generation:
            self._published, self._generation = engine_inputs.published_journeys(s), generation
            self._rules = engine_inputs.rules(s)
            self._window = engine_inputs.cap_window(self._published, self._rules)
        engine = Engine(self._published, self._rules, StorePools(s), new_id=self._new_id, standings=StoreStandings(s))
        return engine, generation

    def step_batch(self) -> Tick:
        """One claim-step-commit round; nothing is delivered. Returns what it did."""
        with paused_gc():
            return self._step_batch()

    def _step_batch(self) -> Tick:
        now = self.clock.now()
        if self._last_now is not None and now < self._last_now:
            self._kept.clear()       # a virtual clock set back: kept copies were pruned for a later moment
        self._last_now = now
        tick = Tick()
        batch = []
        with self.store.session() as s:
            claimed = queue.claim_contacts(s, now, self.batch)
            if claimed:
                engine, generation = self._engine(s)
                batch = repo.load(s, claimed, now, self._window, self._kept)

                def fresh(cid: int, version: int) -> repo.Loaded:
                    return repo.load(s, [(cid, version)], now, self._window)[0]
                batch, tick.steps, tick.messages = isolation.run_batch(s, engine, batch, now, generation, fresh)
                tick.contacts = len(claimed)
        self._kept.keep(batch)                             # committed: these copies are the store's state
        return tick

    def deliver(self) -> int:
        """Hand the due outbox to the senders; returns how many messages were handled."""
        return deliver(self.store, self.sender_for, self.clock.now(), skip_locked=not self.store.is_sqlite,
                       stop=self._stop)

    def round(self) -> Tick:
        """A step batch, then a delivery: one turn of `run`."""
        tick = self.step_batch()
        tick.delivered = self.deliver()
        return tick

    def next_due(self):
        with self.store.session() as s:
            return queue.next_due(s)

    def run(self, until_idle: bool = False, fast_forward: bool = False, stop: Callable[[], bool] = lambda: False,
            idle_sleep: float = 1.0, on_tick: Callable[[Tick], None] | None = None,
            routines: Callable[[], None] | None = None) -> Tick:
        """Run until stopped; with `until_idle`, return when nothing is due (with `fast_forward`, a
        virtual clock jumps to the next due moment instead, until nothing at all is left).
        `routines` (the connectors' scheduled syncs) run beside the loop, on their own thread: a CRM
        that makes them wait (a 429 and its Retry-After) never holds up a due send or a stop. With
        `until_idle`, their first round is waited for, and what it brought in is run."""
        total = Tick()
        busy = False
        self._stop = stop
        beside = Beside(routines) if routines is not None else None
        try:
            while not stop():
                settled = beside is None or beside.rounds > 0      # read before the batch it covers
                tick = self.round()
                for f in ("contacts", "steps", "messages", "delivered"):
                    setattr(total, f, getattr(total, f) + getattr(tick, f))
                if on_tick:
                    on_tick(tick)
                if tick.contacts or tick.delivered:
                    busy = True
                    continue
                if fast_forward:
                    upcoming = self.next_due()
                    if upcoming is None:
                        break
                    if upcoming <= self.clock.now():           # due, but other workers hold those rows
                        time.sleep(0.05)
                    self.clock.advance_to(upcoming)
                    continue
                if busy:                                       # the work done, fold the log into the file
                    self.store.checkpoint()
                    busy = False
                if until_idle and settled:
                    return total
                _nap(0.05 if until_idle else idle_sleep, stop)
        finally:
            if beside is not None:
                beside.halt()
        if busy:
            self.store.checkpoint()
        return total


STOP_CHECK = 0.1      # seconds between looks at `stop` while idle: a SIGTERM is honoured well within a second


def _nap(seconds: float, stop: Callable[[], bool]) -> None:
    end = time.monotonic() + seconds
    while not stop() and time.monotonic() < end:
        time.sleep(min(STOP_CHECK, max(0.0, end - time.monotonic())))


class Beside:
    """`routines` called over and over on a daemon thread until halted. A daemon: a stop must not
    wait for a sync sleeping out a CRM's Retry-After; each page of a sync is its own transaction,
    so one cut short resumes from its last kept page next time."""

    def __init__(self, routines: Callable[[], None]):
        self.rounds = 0
        self._halted = threading.Event()
        self._thread = threading.Thread(target=self._loop, args=(routines,), name="connector routines", daemon=True)
        self._thread.start()

    def _loop(self, routines: Callable[[], None]) -> None:
        while not self._halted.is_set():
            try:
                routines()                      # keeps its own pace; a provider's failure is its own line
            finally:                            # (a failure of ours ends the thread, printed, not the run)
                self.rounds += 1
            self._halted.wait(1.0)

    def halt(self) -> None:
        self._halted.set()
