"""Results kept as they happen: the tables, beside the core ones in models.py."""
from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from switchback.runtime.store.models import Base


class ResultCount(Base):
    """How many contacts did `what` at a journey's node (`""`: the journey as a whole) in a
    variant (`""`: any; a split's port; `holdout`) on a day (UTC, `YYYY-MM-DD`). Added to in the
    transaction of the step that did it, so a report sums a few rows whatever the history's length."""
    __tablename__ = "result_counts"
    journey: Mapped[str] = mapped_column(String(128), primary_key=True)
    node: Mapped[str] = mapped_column(String(128), primary_key=True)
    variant: Mapped[str] = mapped_column(String(128), primary_key=True)
    what: Mapped[str] = mapped_column(String(200), primary_key=True)     # entered, sent, skipped:REASON, ...
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
