"""One writer for a server's requests (group commit). Each request must be durable before it is
answered, and a durable commit costs a sync of the disk; requests that arrive while one commits
wait together and go in the next transaction, so a sync serves them all. One writing thread also
spares the requests SQLite's lock waits, which sleep in steps of milliseconds when writers contend."""
from __future__ import annotations

import asyncio
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

from switchback.runtime.intake import Incoming, Recorded, record, record_in
from switchback.runtime.store.workspace import Store

GROUP_ITEMS = 5000       # calls in one transaction at most: a commit stays short
IDLE_EXIT = 5.0          # seconds without a request before the thread ends (the next request starts it again)


@dataclass
class _Job:
    items: list[Incoming]
    now: datetime
    source: str
    refused: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    result: Recorded | None = None
    error: BaseException | None = None
    tell: Callable[[], None] | None = None       # how an asyncio caller hears it is done


def _settle(future: asyncio.Future, job: _Job) -> None:
    if future.done():                            # the request was cancelled (the client went away)
        return
    if job.error is not None:
        future.set_exception(job.error)
    else:
        future.set_result(job.result)


class GroupWriter:
    def __init__(self, store: Store):
        self.store = store
        self._queue: queue.Queue[_Job] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def record(self, items: list[Incoming], now: datetime, source: str = "", refused: list[str] = ()) -> Recorded:
        """As runtime.intake.record: returns once the calls are committed durably, or raises."""
        job = _Job(items, now, source, list(refused))
        self._put(job)
        job.done.wait()
        if job.error is not None:
            raise job.error
        return job.result

    async def record_async(self, items: list[Incoming], now: datetime, source: str = "", refused: list[str] = ()) -> Recorded:
        """`record` for a coroutine: the event loop hears from the writer, and no thread waits."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        job = _Job(items, now, source, list(refused))
        job.tell = lambda: loop.call_soon_threadsafe(_settle, future, job)
        self._put(job)
        return await future

    def _put(self, job: _Job) -> None:
        with self._lock:
            self._queue.put(job)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="intake-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                jobs = [self._queue.get(timeout=IDLE_EXIT)]
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            size = len(jobs[0].items)
            while size < GROUP_ITEMS:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
                size += len(jobs[-1].items)
            self._write(jobs)

    def _write(self, jobs: list[_Job]) -> None:
        try:
            with self.store.session(durable=True) as s:
                results = [record_in(s, j.items, j.now, j.source, j.refused) for j in jobs]
        except Exception:
            results = None                    # one of them may be at fault: each goes alone, and only it fails
        for i, job in enumerate(jobs):
            if results is not None:
                job.result = results[i]
            else:
                try:
                    job.result = record(self.store, job.items, job.now, job.source, job.refused)
                except Exception as e:
                    job.error = e
            job.done.set()
            if job.tell is not None:
                try:
                    job.tell()
                except RuntimeError:                 # its event loop has closed: nobody is waiting
                    pass
