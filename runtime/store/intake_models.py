"""The intake server's sources and the events it acknowledged (SPEC 10): the tables, beside the core ones in models.py."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from switchback.runtime.store.models import Base


class Source(Base):
    """A source of events: its write key is shown once when it is added; only its hash is kept."""
    __tablename__ = "intake_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)        # sha256 of the write key, hex
    created_at: Mapped[datetime]


class IntakeMessage(Base):
    """A `messageId` the intake acknowledged: a client's retry of it is acknowledged, not recorded again."""
    __tablename__ = "intake_messages"
    message_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    at: Mapped[datetime]


class IntakeId(Base):
    """A `userId` or `anonymousId` and whom it is: a contact once an identify, an alias or its own
    form (an email address) joins it; until then, maybe another id an alias tied it to."""
    __tablename__ = "intake_ids"
    id: Mapped[str] = mapped_column(String(256), primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    same_as: Mapped[str | None] = mapped_column(String(256))


class PendingEvent(Base):
    """An event of an id not joined to a contact yet: kept, and recorded for the contact (in its own
    time order) the moment the id is joined; it triggers nothing before then."""
    __tablename__ = "intake_pending"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(256), index=True)
    type: Mapped[str] = mapped_column(String(128))
    at: Mapped[datetime]
    properties: Mapped[dict[str, Any]]


class IntakeLogRow(Base):
    """What the intake refused of an otherwise good request, for the designer to show."""
    __tablename__ = "intake_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    source: Mapped[str] = mapped_column(String(128))
    line: Mapped[str] = mapped_column(String(1024))
