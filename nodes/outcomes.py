"""What a node's behaviour returns: the engine turns these into state, waits and log lines."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Did(StrEnum):
    """What a step did, as a contact's timeline records it. Each is the word the store has always
    held (a StrEnum is its own word on disk), so existing workspaces read the same."""
    ENTERED = "entered"          # the contact arrived at a node
    LEFT = "left"                # it left a wait: the event came, or the time ran out
    WAITING = "waiting"          # it waits at a node
    HELD = "held"                # a message was held back by quiet hours or a cap
    SENT = "sent"                # a message went to the outbox
    SKIPPED = "skipped"          # a step passed the contact on without doing its work (not sent: why)
    DONE = "done"                # a step did its work and says how (owner assigned, journeys left)
    UPDATED = "updated"          # the contact's fields changed
    COMPLETED = "completed"      # the enrollment reached the end
    EXITED = "exited"            # it was taken out (exit_when, suppressed, another journey)
    CONVERTED = "converted"      # it reached the journey's goal
    ERROR = "error"              # something failed; the detail says what


@dataclass(frozen=True, slots=True)
class Go:
    """Leave through this output port now; `note` says what the step did, `did` whether it did its
    work (DONE) or passed the contact on without it (SKIPPED)."""
    port: str = "next"
    note: str = ""
    did: Did = Did.DONE


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
