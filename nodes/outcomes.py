"""What a node's behaviour returns: the engine turns these into state, waits and log lines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Go:
    """Leave through this output port now."""
    port: str = "next"
    note: str = ""


@dataclass(frozen=True, slots=True)
class Wait:
    """Stay here until `until` (then leave through `on_time`), or until a matching event arrives
    (then leave through `on_event`)."""
    until: datetime | None
    on_time: str = "next"
    event: str | None = None
    where: str | None = None
    on_event: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class End:
    """The path ends here: the enrollment is completed."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Park:
    """Something failed at run time: the contact stays at this node with the error shown."""
    error: str


Outcome = Go | Wait | End | Park
