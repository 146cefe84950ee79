"""The workspace's connectors as the store keeps them: a name, a kind and settings (their secrets
are in the keyring, never here)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from switchback.runtime.store.models import ConnectorRow
from switchback.runtime.store.workspace import Store


@dataclass(frozen=True)
class Connector:
    name: str
    kind: str
    settings: dict[str, Any] = field(default_factory=dict)


def listed(store: Store) -> list[Connector]:
    """Every connector, by name."""
    with store.session() as s:
        return [Connector(r.name, r.kind, dict(r.settings)) for r in s.scalars(select(ConnectorRow).order_by(ConnectorRow.name))]


def find(store: Store, name: str) -> Connector | None:
    with store.session() as s:
        row = s.get(ConnectorRow, name)
        return Connector(row.name, row.kind, dict(row.settings)) if row is not None else None


def remove(store: Store, name: str) -> Connector | None:
    """Take a connector out of the workspace; what it was, for its secrets to be removed too."""
    with store.session() as s:
        row = s.get(ConnectorRow, name)
        if row is None:
            return None
        gone = Connector(row.name, row.kind, dict(row.settings))
        s.execute(delete(ConnectorRow).where(ConnectorRow.name == name))
        return gone
