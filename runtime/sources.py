"""The sources that may send events to the intake server (SPEC 10). A source's write key is made
here, shown once to whoever added it, and kept only as its SHA-256: the key is 32 random bytes, so a
plain hash is as good as a slow one, and checking it on every request stays cheap."""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import delete, select

from switchback.runtime.problems import InputError
from switchback.runtime.store.intake_models import Source
from switchback.runtime.store.workspace import Store

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True)
class SourceInfo:
    name: str
    created_at: datetime


def key_hash(write_key: str) -> str:
    return hashlib.sha256(write_key.encode()).hexdigest()


def add_source(store: Store, name: str) -> str:
    """Adds the source and returns its write key, which is not kept and cannot be shown again."""
    if not name or len(name) > 128 or not set(name) <= NAME_CHARS:
        raise InputError(f"source {name!r}", "a source's name is 1 to 128 letters, digits, '-', '_' or '.'")
    write_key = secrets.token_urlsafe(32)
    with store.session() as s:
        if s.scalar(select(Source.id).where(Source.name == name)) is not None:
            raise InputError(f"source {name}", "already exists (remove it first to make a new write key)")
        s.add(Source(name=name, key_hash=key_hash(write_key), created_at=datetime.now(timezone.utc)))
    return write_key


def list_sources(store: Store) -> list[SourceInfo]:
    with store.session() as s:
        return [SourceInfo(name, at) for name, at in s.execute(select(Source.name, Source.created_at).order_by(Source.name))]


def remove_source(store: Store, name: str) -> None:
    with store.session() as s:
        if s.execute(delete(Source).where(Source.name == name)).rowcount == 0:
            raise InputError(f"source {name}", "no such source")


class KeyCheck:
    """Which source a write key belongs to, for a server answering many requests a second: the
    sources are read again at most every `fresh_for` seconds (a removed one stops within that), and
    after `miss_after` seconds when a key is not among them (a source just added works at once)."""

    def __init__(self, store: Store, fresh_for: float = 1.0, miss_after: float = 0.1):
        self.store, self.fresh_for, self.miss_after = store, fresh_for, miss_after
        self._read_at = float("-inf")
        self._sources: dict[str, str] = {}          # key hash -> source name

    def stale(self, *write_keys: str | None) -> bool:
        """Whether the sources are to be read again before these keys are checked (a server reads
        them off its event loop when so: the read waits for the write lock like any transaction)."""
        age = time.monotonic() - self._read_at
        if age > self.fresh_for or not self._sources:
            return True
        return age > self.miss_after and any(k and key_hash(k) not in self._sources for k in write_keys)

    def read(self) -> None:
        with self.store.session() as s:
            self._sources = dict(s.execute(select(Source.key_hash, Source.name)).all())
        self._read_at = time.monotonic()

    def any(self) -> bool:
        """Whether the workspace has a source at all."""
        if self.stale():
            self.read()
        return bool(self._sources)

    def source(self, write_key: str | None) -> str | None:
        """The name of the source whose key this is, else None."""
        if self.stale(write_key):
            self.read()
        return self.as_read(write_key)

    def as_read(self, write_key: str | None) -> str | None:
        """`source` as of the last read, never reading."""
        return self._sources.get(key_hash(write_key)) if write_key else None

    @property
    def none_read(self) -> bool:
        """The last read found no source."""
        return not self._sources
