"""The workspace's tables, as typed SQLAlchemy 2.0 models. Change them only with a migration."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def _remembered(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`convert`, done once per value: rows written and read together share a few moments (a
    batch's `now`, the same due times). None stays None."""
    seen: dict[Any, Any] = {}

    def converted(value):
        if value is None:
            return None
        out = seen.get(value)
        if out is None:
            if len(seen) > 50_000:
                seen.clear()
            out = seen[value] = convert(value)
        return out
    return converted


def _text(value: datetime) -> str:
    u = value.astimezone(timezone.utc)
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (u.year, u.month, u.day, u.hour, u.minute, u.second, u.microsecond)


# A time as SQLAlchemy's SQLite DATETIME stores it (naive UTC text that sorts as it compares), and back.
sqlite_text = _remembered(_text)
_sqlite_time = _remembered(lambda text: datetime.fromisoformat(text).replace(tzinfo=timezone.utc))


def as_utc(value: str | datetime | None) -> datetime | None:
    """A time as a driver hands it back (SQLite's text, PostgreSQL's aware datetime) as UTC's
    columns give it: for rows read straight through the driver."""
    if value is None or isinstance(value, str):
        return _sqlite_time(value)
    return value.astimezone(timezone.utc)


class UTC(TypeDecorator):
    """Aware UTC datetimes on every backend (SQLite keeps no zone; PostgreSQL gets timestamptz)."""
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)

    # On SQLite the text goes straight to and from datetime: SQLAlchemy's own DATETIME parses every
    # value with a regular expression, which was the scheduler's largest single cost in reading.
    def bind_processor(self, dialect):
        return sqlite_text if dialect.name == "sqlite" else super().bind_processor(dialect)

    def result_processor(self, dialect, coltype):
        return _sqlite_time if dialect.name == "sqlite" else super().result_processor(dialect, coltype)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTC, dict[str, Any]: JSON, list[Any]: JSON}


class Setting(Base):
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)            # lower-cased identity
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    last_activity: Mapped[datetime | None]
    timers: Mapped[list[Any]] = mapped_column(JSON, default=list)             # [[journey, node, iso or null]]
    admitted: Mapped[int] = mapped_column(Integer, default=0)                 # the published journeys' generation it was admitted to
    history: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)       # event type -> [iso, ...]
    next_due: Mapped[datetime | None] = mapped_column(UTC, index=True)       # the scheduler's queue
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # Bumped by every write of what the engine reads of a contact (its columns above but the queue,
    # its enrollments, its messages): a worker's copy of the contact is good while this matches.
    version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class EventRow(Base):
    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))     # indexed by ix_events_pending
    type: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    properties: Mapped[dict[str, Any]] = mapped_column(JSON)
    processed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (Index("ix_events_pending", "contact_id", "processed", "at"),)


class JourneyRow(Base):
    __tablename__ = "journeys"
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(256))
    draft: Mapped[str] = mapped_column(Text)                                  # the journey file's JSON
    revision: Mapped[int] = mapped_column(Integer, default=1)                 # bumped on every draft save
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(128))
    editors: Mapped[list[Any] | None] = mapped_column(JSON)                # who changed the draft since its last publish
    # live, paused (nothing of it runs, its messages wait) or off (everyone left; nobody enters)
    state: Mapped[str] = mapped_column(String(16), default="live", server_default="live")


class JourneyVersion(Base):
    __tablename__ = "journey_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("journeys.key"))
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
    published_by: Mapped[str | None] = mapped_column(String(128))
    approved_by: Mapped[str | None] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("key", "version"),)


class Approval(Base):
    """Someone approved a journey's draft as it was at `revision`; any later edit bumps the
    revision, so the approval no longer covers the draft."""
    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("journeys.key"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    by: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]


class JourneyControl(Base):
    """A person paused, resumed or turned off a journey: its history shows each, beside versions."""
    __tablename__ = "journey_controls"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(ForeignKey("journeys.key"), index=True)
    action: Mapped[str] = mapped_column(String(16))           # paused, resumed, turned off, turned on
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(128))
    note: Mapped[str | None] = mapped_column(Text)


class ConnectorRow(Base):
    __tablename__ = "connectors"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON)                   # never a secret: those are in the keyring


class EnrollmentRow(Base):
    __tablename__ = "enrollments"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    journey: Mapped[str] = mapped_column(String(128), index=True)
    version: Mapped[int] = mapped_column(Integer)
    node: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16))
    due: Mapped[datetime | None]
    wait_event: Mapped[str | None] = mapped_column(String(128))
    wait_where: Mapped[str | None] = mapped_column(Text)
    on_event: Mapped[str | None] = mapped_column(String(128))
    on_time: Mapped[str | None] = mapped_column(String(128))
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    entered_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON)              # `event` in its templates (SPEC 11)
    marks: Mapped[dict[str, Any] | None] = mapped_column(JSON)              # what its results counted (runtime/tally.py)


class StepRow(Base):
    __tablename__ = "steps"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    enrollment_id: Mapped[str | None] = mapped_column(String(40))
    journey: Mapped[str | None] = mapped_column(String(128))
    node: Mapped[str | None] = mapped_column(String(128))
    at: Mapped[datetime]
    what: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")


class OutboxRow(Base):
    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)              # idempotency key
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"), index=True)
    journey: Mapped[str] = mapped_column(String(128))
    node: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(32))
    connector: Mapped[str | None] = mapped_column(String(128))
    to: Mapped[str | None] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]                                                     # when the journey sent it
    status: Mapped[str] = mapped_column(String(16), default="pending")       # pending, sending, sent, failed, uncertain
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))             # host:pid of the worker handing it over
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt"),)


class Delivery(Base):
    """What the built-in recording sender was handed (until a connector is configured, and in tests)."""
    __tablename__ = "deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    to: Mapped[str | None] = mapped_column(String(320))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    at: Mapped[datetime]


class CounterRow(Base):
    """Small shared counters: round-robin turns (`turn:journey/node`) and owner loads (`load:owner`)."""
    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(400), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class ErasureRow(Base):
    """A person erased on request (SPEC 14): only a keyed hash of the address, when, who asked, and
    the consent they had then (so a later record can tell new consent from old)."""
    __tablename__ = "erasures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(128))
    consent: Mapped[dict[str, Any]] = mapped_column(JSON)
    lifted_at: Mapped[datetime | None]                 # when new consent brought the person back
