"""What the providers tell us about a message after it left: the tables, beside the core ones in models.py."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from switchback.runtime.store.models import Base  # noqa: F401  (the tables below join Base.metadata)


class ProviderEventRow(Base):
    """A provider event already recorded, by the provider's own id for it: providers retry, and a
    replayed callback is acknowledged without being recorded again."""
    __tablename__ = "provider_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    connector: Mapped[str] = mapped_column(String(128))
    event_id: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("connector", "event_id", name="uq_provider_events"),)


class SuppressionRow(Base):
    """An address a channel no longer sends to, and why (a hard bounce, a complaint, an SMS STOP)."""
    __tablename__ = "suppressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_suppressions"),)


class ProviderCursorRow(Base):
    """Where a connector's last pull of its provider's events stopped, so a round fetches only new ones."""
    __tablename__ = "provider_cursors"
    connector: Mapped[str] = mapped_column(String(128), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]
