"""The audit's findings and figures as plain data: what the page and the command line show."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from switchback.resources import ROOT as RESOURCES
from switchback.runtime.settings import FrequencyCap


CONTACT_CHANNELS = ("email", "sms")                   # what reaches the contact (and counts for caps)
TOO_CLOSE = timedelta(hours=24)
TOP_WINDOW = timedelta(days=7)
DEFAULT_CAP = FrequencyCap(messages=3, per="7d")
SEVERITIES = ("high", "medium", "low")
# Within a severity, causes before symptoms: two journeys fighting over a trigger explain the caps broken.
KINDS = ("overlap", "missing-connector", "over-cap", "missing-field", "too-close", "same-trigger", "unknown-journey",
         "idle-branch")
CHANNEL_WORDS = {"email": "Email", "sms": "SMS", "webhook": "Webhook", "notify": "Team notification"}

REPORT_DIR = RESOURCES / "report"


# --- the report's data ---------------------------------------------------------------------------

@dataclass
class NodeRef:
    """A place in a journey, as the report names it: the journey's name and the node's label."""
    journey: str
    journey_name: str
    node: str | None = None
    label: str | None = None

    @property
    def text(self) -> str:
        if not self.node:
            return self.journey_name
        return f"{self.journey_name} › {self.label or self.node}"


@dataclass
class JourneyInfo:
    key: str
    name: str
    description: str | None
    source: str                              # a file path, "published version 3" or "draft"
    valid: bool
    triggers: list[str]
    audience: list[str]                      # one per trigger: who it lets in
    exits: list[str]
    priority: int | None
    frequency_cap: str | None
    quiet_hours: str | None
    reentry: str | None
    suppresses: list[str]
    node_count: int
    message_nodes: int
    channels: list[str]
    connectors: list[str]

    @property
    def entries(self) -> list[tuple[str, str]]:
        return list(zip(self.triggers, self.audience))


@dataclass
class ProblemItem:
    journey: str
    journey_name: str
    where: str                               # node id, settings.<name> or journey
    place: str                               # the same in words: "Node “Send guide” (thanks)"
    message: str


@dataclass
class Finding:
    kind: str                                # overlap, same-trigger, over-cap, too-close, missing-field,
                                             # missing-connector, unknown-journey, idle-branch
    severity: str                            # high, medium, low
    title: str
    detail: str
    advice: str
    journeys: list[str]
    places: list[NodeRef]
    contacts: int = 0                        # contacts affected, when the simulation counted them
    examples: list[str] = field(default_factory=list)
    breakdown: list[tuple[str, str]] = field(default_factory=list)   # (what, how many), a short table

    @property
    def rank(self) -> tuple:
        return (SEVERITIES.index(self.severity), KINDS.index(self.kind), -self.contacts, self.title)


@dataclass
class NodeCount:
    journey: str
    journey_name: str
    node: str
    label: str
    channel: str
    entered: int
    messages: int


@dataclass
class TopContact:
    contact: str
    messages: int
    first: datetime
    last: datetime
    journeys: list[tuple[str, int]]          # journey name, messages in the window


@dataclass
class MessageStats:
    start: datetime
    end: datetime
    days: float
    timezone: str
    contacts: int
    to_contacts: int                         # email and SMS
    internal: int                            # team notifications and webhook calls
    by_journey: list[tuple[str, str, int, int]]  # key, name, to contacts, internal
    by_node: list[NodeCount]
    by_day: list[tuple[date, dict[str, int]]]    # per day: journey key -> messages to contacts
    top_contacts: list[TopContact]
    reached: int                             # contacts who got at least one message


@dataclass
class Audit:
    title: str
    subject: str                             # what was audited: "3 journey files", "workspace x.sqlite"
    generated: datetime
    journeys: list[JourneyInfo]
    problems: list[ProblemItem]
    findings: list[Finding]
    messages: MessageStats | None
    reference_cap: str
    notes: list[str]
    colors: dict[str, str] = field(default_factory=dict)
    cap: FrequencyCap | None = None          # the reference cap itself
    changes: Any = None                      # a workspace's versions published in the period (audit_versions.py)

    def over_cap_in_a_week(self, messages: int) -> bool:
        """Whether that many messages in 7 days is certainly more than the reference cap allows."""
        return self.cap is not None and self.cap.window >= TOP_WINDOW and messages > self.cap.messages

    @property
    def conflicts_by_severity(self) -> dict[str, int]:
        counts = Counter(f.severity for f in self.findings)
        return {s: counts.get(s, 0) for s in SEVERITIES}

    @property
    def top_findings(self) -> list[Finding]:
        return sorted(self.findings, key=lambda f: f.rank)[:3]

    @property
    def journey_names(self) -> dict[str, str]:
        return {j.key: j.name for j in self.journeys}
