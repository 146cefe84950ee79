"""Workspace settings: one JSON value a key. What they mean is runtime's (runtime/workspace_settings.py,
runtime/published.py); the store keeps plain values."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from switchback.runtime.store.models import Setting


def get_settings(s: Session) -> dict[str, Any]:
    return {row.key: row.value for row in s.scalars(select(Setting))}


def get_setting(s: Session, key: str) -> Any:
    row = s.get(Setting, key)
    return row.value if row is not None else None


def set_setting(s: Session, key: str, value: Any) -> None:
    s.merge(Setting(key=key, value=value))
