"""`record`: a connector that sends nothing and records each message in the workspace. A new
workspace uses it for every connector name until real ones are added, so nothing leaves the machine
by surprise; tests and previews read what it recorded."""
from __future__ import annotations

from pydantic import BaseModel

from switchback.connectors.registry import ConnectorKind, register


class RecordSettings(BaseModel):
    model_config = {"extra": "forbid"}


register(ConnectorKind(name="record", title="Record only (sends nothing)", settings=RecordSettings,
                       channels=("email", "sms", "notify", "webhook"),
                       help="Keeps each message in the workspace instead of sending it."))
