"""The CRM's activity: the tables, beside the core ones in models.py.

A stream (deals, forms, merges, deletions) keeps its own cursor per connector, so each resumes on
its own; `live` turns true once a stream's first pass is done: what that first pass reads is the
state before the workspace knew the CRM, recorded but starting nothing. A deal's last known stage
is what makes a later stage a change."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from switchback.runtime.store.models import Base


class CrmCursor(Base):
    __tablename__ = "crm_cursors"
    connector: Mapped[str] = mapped_column(String(128), primary_key=True)
    stream: Mapped[str] = mapped_column(String(64), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    live: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime]


class CrmDeal(Base):
    __tablename__ = "crm_deals"
    connector: Mapped[str] = mapped_column(String(128), primary_key=True)
    deal: Mapped[str] = mapped_column(String(64), primary_key=True)
    pipeline: Mapped[str | None] = mapped_column(String(128))
    stage: Mapped[str | None] = mapped_column(String(128))
    amount: Mapped[float | None] = mapped_column(Float)
    contacts: Mapped[list[Any]] = mapped_column(JSON, default=list)       # the CRM's contact ids
    updated_at: Mapped[datetime]
