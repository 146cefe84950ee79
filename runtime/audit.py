"""The cross-journey audit (SPEC section 8): what a consultant hands a client about all of its
journeys at once.

Validation looks at one journey at a time; the audit looks between them. It reads the journeys (files,
or a workspace), lists them in plain words, collects every validation problem, and looks for the
conflicts no single journey can see: two journeys that start on the same trigger, journeys that run
at once with nothing deciding between them, contacts who get more messages than the caps meant to
allow, templates that use fields no contact has, connectors that do not exist. With contacts it
also simulates the journeys together and counts the messages.

`build_audit` returns plain data (`Audit`); `render_html` turns it into one self-contained page
(resources/report/) and `write_report` writes that page, or prints it to PDF with headless Chromium.

Definitions the report states in its "About this audit" notes:
- a *message* is an email or an SMS to the contact; notifications to the team and webhook calls are
  counted apart and never count towards caps;
- the *reference cap* is the workspace's cap when one is known, else the strictest cap any journey
  sets (fewest messages per day allowed), else 3 messages per 7 days;
- messages are *too close* when two from different journeys reach one contact within 24 hours.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Iterable

from jinja2 import nodes as jnodes
from jinja2.exceptions import TemplateError
from jinja2.parser import Parser
from pydantic import ValidationError

from switchback.nodes.durations import describe as describe_duration
from switchback.runtime import document, sandbox, validation
from switchback.runtime.contacts import STANDARD, Event
from switchback.runtime.document import Journey, Node
from switchback.runtime.idle_branches import idle_branches
from switchback.runtime.problems import InputError
from switchback.runtime.settings import FrequencyCap, Settings

CONTACT_CHANNELS = ("email", "sms")                   # what reaches the contact (and counts for caps)
TOO_CLOSE = timedelta(hours=24)
TOP_WINDOW = timedelta(days=7)
DEFAULT_CAP = FrequencyCap(messages=3, per="7d")
SEVERITIES = ("high", "medium", "low")
# Within a severity, causes before symptoms: two journeys fighting over a trigger explain the caps broken.
KINDS = ("overlap", "missing-connector", "over-cap", "missing-field", "too-close", "same-trigger", "unknown-journey",
         "idle-branch")
CHANNEL_WORDS = {"email": "Email", "sms": "SMS", "webhook": "Webhook", "notify": "Team notification"}
from switchback.resources import ROOT as RESOURCES                 # noqa: E402  (package data, not code)

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


# --- plain words -----------------------------------------------------------------------------------

def _duration(text: str | None) -> str:
    return describe_duration(text) if text else ""


def _q(text: Any) -> str:
    return f"“{text}”"


def trigger_words(node: Node) -> tuple[str, str]:
    """(when it starts, who it is for) of one trigger node, in plain words."""
    c = node.config
    kind = node.kind
    if kind == "trigger.event":
        where = c.get("where")
        return (f"When the event {_q(c.get('event'))} is recorded",
                f"Only when: {where}" if where else "Any contact")
    if kind == "trigger.segment":
        return ("When a contact comes to match a condition", f"Contacts for whom: {c.get('when')}")
    if kind == "trigger.field_changed":
        words = f"When the field {_q(c.get('field'))} changes"
        if c.get("from") is not None:
            words += f" from {_q(c['from'])}"
        if c.get("to") is not None:
            words += f" to {_q(c['to'])}"
        return words, f"Contacts whose {c.get('field')} changes"
    if kind == "trigger.score":
        return f"When the lead score reaches {c.get('threshold')}", f"Contacts scoring {c.get('threshold')} or more"
    if kind == "trigger.date":
        offset = c.get("offset")
        at = c.get("at", "09:00")
        if offset and offset.startswith("-"):
            when = f"{_duration(offset[1:])} before the date in {_q(c.get('field'))}"
        elif offset:
            when = f"{_duration(offset)} after the date in {_q(c.get('field'))}"
        else:
            when = f"On the date in {_q(c.get('field'))}"
        return f"{when}, at {at}", f"Contacts with a {c.get('field')}"
    if kind == "trigger.inactive":
        return (f"When a contact has had no activity for {c.get('days')} days",
                f"Contacts quiet for {c.get('days')} days")
    if kind == "trigger.manual":
        return "When a person enrolls the contact (by hand, the command line or the API)", "Whoever is enrolled"
    return f"{node.kind} (unknown trigger)", ""


def _cap_words(cap: FrequencyCap | None) -> str | None:
    if cap is None:
        return None
    return f"at most {cap.messages} message{'s' if cap.messages != 1 else ''} per {_duration(cap.per)}"


def _reentry_words(reentry: str) -> str:
    if reentry == "never":
        return "once only"
    if reentry == "always":
        return "every time it is triggered"
    return f"again {_duration(reentry[6:])} after the previous entry"


def _node_label(node: Node) -> str:
    if node.label:
        return node.label
    spec = node.spec
    return f"{spec.title} ({node.id})" if spec else node.id


def _place_words(journey: Journey, where: str) -> str:
    if where == "journey":
        return "The journey as a whole"
    if where.startswith("settings."):
        return f"Setting {where[9:]}"
    node = journey.node(where)
    if node is None:
        return f"Node {where}"
    return f"Node {_q(node.label)} ({node.id})" if node.label else f"Node {node.id}"


# --- reading the journeys ----------------------------------------------------------------------

def _settings(journey: Journey) -> Settings | None:
    try:
        return journey.settings
    except ValidationError:
        return None


def _config(node: Node):
    if node.spec is None:
        return None
    try:
        return node.parsed()
    except ValidationError:
        return None


def inventory(journey: Journey, source: str, valid: bool) -> JourneyInfo:
    s = _settings(journey)
    triggers, audience = [], []
    for t in journey.triggers():
        when, who = trigger_words(t)
        triggers.append(when)
        audience.append(who)
    exits = []
    if s and s.exit_when:
        exits.append(f"Leaves when: {s.exit_when}")
    if s and s.goal:
        exits.append(f"Converts when: {s.goal}")
    channels, connectors, senders = [], [], 0
    for n in journey.nodes:
        spec = n.spec
        if spec and spec.channel:
            senders += 1
            if CHANNEL_WORDS.get(spec.channel, spec.channel) not in channels:
                channels.append(CHANNEL_WORDS.get(spec.channel, spec.channel))
        name = n.config.get("connector")
        if isinstance(name, str) and name and name not in connectors:
            connectors.append(name)
    quiet = f"{s.quiet_hours.start}–{s.quiet_hours.end}" if s and s.quiet_hours else None
    return JourneyInfo(
        key=journey.key, name=journey.name, description=journey.description, source=source, valid=valid,
        triggers=triggers, audience=audience, exits=exits, priority=s.priority if s else None,
        frequency_cap=_cap_words(s.frequency_cap) if s else None, quiet_hours=quiet,
        reentry=_reentry_words(s.reentry) if s else None, suppresses=list(s.suppresses) if s else [],
        node_count=len(journey.nodes), message_nodes=senders, channels=channels, connectors=connectors)


# --- conditions: what they constrain, which fields they use ------------------------------------------

def _expression(code: str) -> jnodes.Node | None:
    try:
        parser = Parser(sandbox.ENV, code, state="variable")
        return parser.parse_expression()
    except TemplateError:
        return None


def _template(code: str) -> jnodes.Node | None:
    try:
        return sandbox.parse_template(code)
    except sandbox.CodeError:
        return None


def contact_fields(tree: jnodes.Node | None) -> set[str]:
    """The `contact.X` (and `contact['X']`) a condition or template reads."""
    if tree is None:
        return set()
    out = set()
    for n in tree.find_all((jnodes.Getattr, jnodes.Getitem)):
        if isinstance(n.node, jnodes.Name) and n.node.name == "contact":
            if isinstance(n, jnodes.Getattr):
                out.add(n.attr)
            elif isinstance(n.arg, jnodes.Const) and isinstance(n.arg.value, str):
                out.add(n.arg.value)
    return out


def _constraints(code: str | None) -> dict[str, frozenset] | None:
    """What a condition pins down: for each `X == const` or `X in [consts]` among its top-level
    `and`s, the values X may take. None when there is no condition (it lets everything through)."""
    if not code:
        return None
    tree = _expression(code)
    if tree is None:
        return {}
    conjuncts, stack = [], [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, jnodes.And):
            stack += [n.left, n.right]
        else:
            conjuncts.append(n)
    out: dict[str, frozenset] = {}
    for n in conjuncts:
        if not isinstance(n, jnodes.Compare) or len(n.ops) != 1:
            continue
        op, left, right = n.ops[0].op, n.expr, n.ops[0].expr
        if op == "eq" and isinstance(left, jnodes.Const):
            left, right = right, left
        values: frozenset | None = None
        if op == "eq" and isinstance(right, jnodes.Const):
            values = frozenset([right.value])
        elif op == "in" and isinstance(right, (jnodes.List, jnodes.Tuple)) and all(isinstance(i, jnodes.Const) for i in right.items):
            values = frozenset(i.value for i in right.items)
        if values is None or isinstance(left, jnodes.Const):
            continue
        key = repr(left)
        out[key] = out[key] & values if key in out else values
    return out


def overlap(a: str | None, b: str | None) -> str:
    """How two trigger conditions relate: `same` (identical, or both absent), `overlap` (one lets
    everything through, or they may both hold), or `disjoint` (provably never both true)."""
    if (a or "").split() == (b or "").split():
        return "same"
    ca, cb = _constraints(a), _constraints(b)
    if ca is None or cb is None:
        return "overlap"
    for key in ca.keys() & cb.keys():
        if not ca[key] & cb[key]:
            return "disjoint"
    return "overlap"


# --- triggers compared -----------------------------------------------------------------------------

def _signature(node: Node) -> tuple | None:
    """What two triggers must share to be "the same trigger", and the condition narrowing it."""
    c = node.config
    k = node.kind
    if k == "trigger.event":
        return (k, c.get("event")), c.get("where")
    if k == "trigger.field_changed":
        return (k, c.get("field"), repr(c.get("from"))), repr(c.get("to")) if c.get("to") is not None else None
    if k == "trigger.score":
        return (k, c.get("threshold")), None
    if k == "trigger.segment":
        return (k, " ".join(str(c.get("when")).split())), None
    if k == "trigger.date":
        return (k, c.get("field"), c.get("offset") or "0d"), None
    if k == "trigger.inactive":
        return (k, c.get("days")), None
    return None                                            # manual: a person chooses each time


def _field_changed_overlap(a: str | None, b: str | None) -> str:
    return "same" if a == b else ("overlap" if a is None or b is None else "disjoint")


def _between(a: Journey, b: Journey) -> list[str]:
    """What decides between two journeys a contact could be in at once, in plain words."""
    sa, sb = _settings(a), _settings(b)
    out = []
    for x, y, sx in ((a, b, sa), (b, a, sb)):
        if sx is None:
            continue
        if y.key in sx.suppresses:
            out.append(f"{x.name} takes contacts out of {y.name} when they enter it (suppresses)")
        if sx.exit_when and _names_journey(sx.exit_when, y.key):
            out.append(f"{x.name} lets contacts go when they are in {y.name} (exit when)")
        for n in x.nodes:
            if n.kind == "action.exit_journeys":
                keys = n.config.get("journeys")
                if keys == "all" or (isinstance(keys, list) and y.key in keys):
                    out.append(f"{x.name} takes contacts out of {y.name} at {_q(_node_label(n))}")
    if sa and sb and sa.priority != sb.priority:
        hi = a if sa.priority > sb.priority else b
        out.append(f"{hi.name} has the higher priority ({max(sa.priority, sb.priority)} against "
                   f"{min(sa.priority, sb.priority)}), so contacts enter it first; both still run "
                   f"unless one suppresses the other")
    return out


def _names_journey(condition: str, key: str) -> bool:
    tree = _expression(condition)
    if tree is None:
        return False
    for call in tree.find_all(jnodes.Call):
        if (isinstance(call.node, jnodes.Name) and call.node.name == "in_journey" and call.args
                and isinstance(call.args[0], jnodes.Const) and call.args[0].value == key):
            return True
    return False


def _trigger_findings(journeys: list[Journey]) -> tuple[list[Finding], set[frozenset]]:
    findings, pairs = [], set()
    sigs = [(j, t, *sig) for j in journeys for t in j.triggers() if (sig := _signature(t)) is not None]
    for i, (ja, ta, sa, ca) in enumerate(sigs):
        for jb, tb, sb, cb in sigs[i + 1:]:
            if ja.key == jb.key or sa != sb:
                continue
            relation = (_field_changed_overlap(ca, cb) if ta.kind == "trigger.field_changed" else overlap(ca, cb))
            if relation == "disjoint":
                continue
            pair = frozenset((ja.key, jb.key))
            if pair in pairs:
                continue
            pairs.add(pair)
            start, _ = trigger_words(ta)
            places = [NodeRef(ja.key, ja.name, ta.id, _node_label(ta)), NodeRef(jb.key, jb.name, tb.id, _node_label(tb))]
            between = _between(ja, jb)
            same_words = f"{ja.name} and {jb.name} both start {start[0].lower()}{start[1:]}"
            if relation == "overlap" and (ca or cb):
                same_words += (" and their conditions can both be true "
                               f"({ca or 'no condition'} / {cb or 'no condition'})")
            if between:
                findings.append(Finding(
                    kind="same-trigger", severity="low",
                    title=f"{ja.name} and {jb.name} start on the same trigger",
                    detail=f"{same_words}. Something decides between them: {'; '.join(between)}.",
                    advice="Nothing to fix if this is intended; check that the journey that wins is the one you want.",
                    journeys=[ja.key, jb.key], places=places))
            else:
                findings.append(Finding(
                    kind="overlap", severity="high" if relation == "same" or not (ca and cb) else "medium",
                    title=f"{ja.name} and {jb.name} start on the same trigger, and nothing decides between them",
                    detail=f"{same_words}. They have the same priority, neither suppresses the other and neither "
                           f"exits when the contact is in the other, so a contact gets both journeys' messages at once.",
                    advice="Give one of them a higher priority and let it suppress the other (settings › suppresses), "
                           "or narrow one trigger's condition so they do not both fire.",
                    journeys=[ja.key, jb.key], places=places))
    return findings, pairs


# --- fields no contact has ---------------------------------------------------------------------------

def _field_uses(journey: Journey) -> list[tuple[str, str, str]]:
    """(node id, role, field) for every contact field the journey reads. role: trigger, wait,
    template, condition."""
    out = []
    s = _settings(journey)
    if s:
        for path, role, code in validation.code_fields(s):
            out += [("settings." + path, "condition", f) for f in contact_fields(_expression(code))]
    for n in journey.nodes:
        cfg = _config(n)
        if cfg is None:
            continue
        for path, role, code in validation.code_fields(cfg):
            tree = _expression(code) if role == "condition" else _template(code)
            out += [(n.id, "condition" if role == "condition" else "template", f) for f in contact_fields(tree)]
        for f in n.spec.field_refs(cfg):
            out.append((n.id, "trigger" if n.kind.startswith("trigger.") else "wait", f))
    return out


_ROLE_EFFECT = {
    "trigger": ("high", "the journey never starts for anyone"),
    "wait": ("high", "contacts stop at that wait with an error"),
    "template": ("medium", "messages go out with a blank where the value should be"),
    "condition": ("low", "the condition sees nothing there, so every contact takes the same path"),
}


def _missing_fields(journeys: list[Journey], contacts: list[dict], events: list[Event]) -> list[Finding]:
    known = set(STANDARD) | {"score", "tags"}
    for c in contacts:
        known |= {k for k, v in c.items() if v is not None}
    for e in events:
        if e.type == "contact_updated":
            known |= set(e.properties)
    for j in journeys:                    # fields a journey sets itself are had by the time it matters
        for n in j.nodes:
            if n.kind == "action.update" and isinstance(n.config.get("set"), dict):
                known |= set(n.config["set"])
    uses: dict[str, list[tuple[Journey, str, str]]] = defaultdict(list)
    for j in journeys:
        for where, role, f in _field_uses(j):
            if f not in known:
                uses[f].append((j, where, role))
    findings = []
    for f, places in sorted(uses.items()):
        severity = min((_ROLE_EFFECT[r][0] for _, _, r in places), key=SEVERITIES.index)
        effects = []
        for _, _, r in places:
            if _ROLE_EFFECT[r][1] not in effects:
                effects.append(_ROLE_EFFECT[r][1])
        refs, seen = [], set()
        for j, where, _ in places:
            if (j.key, where) in seen:
                continue
            seen.add((j.key, where))
            node = j.node(where)
            refs.append(NodeRef(j.key, j.name, where, _node_label(node) if node else where.replace("settings.", "setting ")))
        keys = list(dict.fromkeys(j.key for j, _, _ in places))
        findings.append(Finding(
            kind="missing-field", severity=severity,
            title=f"No contact has the field {_q(f)}, but {len(refs)} place{'s' if len(refs) != 1 else ''} use{'' if len(refs) != 1 else 's'} it",
            detail=f"None of the contacts audited has a value in {_q(f)}, and no journey or event sets it, "
                   f"so {'; and '.join(effects)}.",
            advice=f"Add {_q(f)} to the contacts (a CSV column or a CRM property), or change the "
                   f"template to use a field they have.",
            journeys=keys, places=refs))
    return findings


# --- connectors and journeys referred to -------------------------------------------------------------

def _missing_connectors(journeys: list[Journey], connectors: list[dict]) -> list[Finding]:
    have = {c.get("name") for c in connectors}
    uses: dict[str, list[NodeRef]] = defaultdict(list)
    for j in journeys:
        for n in j.nodes:
            name = n.config.get("connector")
            if isinstance(name, str) and name and name not in have:
                uses[name].append(NodeRef(j.key, j.name, n.id, _node_label(n)))
    findings = []
    for name, refs in sorted(uses.items()):
        none_at_all = not connectors
        findings.append(Finding(
            kind="missing-connector", severity="high",
            title=f"The connector {_q(name)} is used but not set up",
            detail=(f"{len(refs)} step{'s' if len(refs) != 1 else ''} send{'' if len(refs) != 1 else 's'} with "
                    f"{_q(name)}, which this workspace does not have. "
                    + ("The workspace has no connectors at all, so messages are only recorded, never sent."
                       if none_at_all else "Those messages will wait and never go out.")),
            advice=f"Add it under Workspace › Connectors… (or `switchback connector add {name} --kind ...`), or point those steps at an existing connector.",
            journeys=list(dict.fromkeys(r.journey for r in refs)), places=refs))
    return findings


def _unknown_journeys(journeys: list[Journey]) -> list[Finding]:
    keys = {j.key for j in journeys}
    findings = []
    for j in journeys:
        s = _settings(j)
        refs: list[tuple[str, str | None, str]] = []
        for k in (s.suppresses if s else []):
            refs.append((k, None, "suppresses"))
        for n in j.nodes:
            if n.kind == "action.enroll" and isinstance(n.config.get("journey"), str):
                refs.append((n.config["journey"], n.id, "enrolls contacts in"))
            if n.kind == "action.exit_journeys" and isinstance(n.config.get("journeys"), list):
                refs += [(k, n.id, "takes contacts out of") for k in n.config["journeys"]]
        for key, node_id, verb in refs:
            if key in keys or key == j.key:
                continue
            node = j.node(node_id) if node_id else None
            findings.append(Finding(
                kind="unknown-journey", severity="low",
                title=f"{j.name} refers to {_q(key)}, which is not in this audit",
                detail=f"{j.name} {verb} {_q(key)}, but no audited journey has that key"
                       + (", so that step does nothing." if verb == "enrolls contacts in" else "."),
                advice="Include that journey in the audit, or correct the key.",
                journeys=[j.key], places=[NodeRef(j.key, j.name, node_id, _node_label(node) if node else None)]))
    return findings


# --- the simulation ------------------------------------------------------------------------------

def reference_cap(journeys: list[Journey], workspace_cap: FrequencyCap | None) -> tuple[FrequencyCap, str]:
    if workspace_cap is not None:
        return workspace_cap, f"the workspace's cap, {_cap_words(workspace_cap)}"
    caps = [(s.frequency_cap, j) for j in journeys if (s := _settings(j)) and s.frequency_cap]
    if caps:
        cap, j = min(caps, key=lambda x: (x[0].messages / x[0].window.total_seconds(), x[0].window, x[1].key))
        return cap, f"the strictest journey cap ({j.name}: {_cap_words(cap)}), since no workspace-wide cap is set"
    return DEFAULT_CAP, f"{_cap_words(DEFAULT_CAP)}, a common rule of thumb, since no journey or workspace sets a cap"


def _contact_messages(messages) -> dict[str, list]:
    by_contact: dict[str, list] = defaultdict(list)
    for m in messages:
        if m.channel in CONTACT_CHANNELS:
            by_contact[m.contact].append(m)
    for ms in by_contact.values():
        ms.sort(key=lambda m: (m.at, m.journey, m.node))
    return by_contact


def _windows(ms: list, window: timedelta) -> Iterable[tuple[int, int]]:
    """For each message, the messages within `window` from it: (first, one past the last)."""
    j = 0
    for i in range(len(ms)):
        j = max(j, i)
        while j < len(ms) and ms[j].at - ms[i].at < window:
            j += 1
        yield i, j


def _cap_findings(by_contact: dict[str, list], cap: FrequencyCap, cap_words: str,
                  names: dict[str, str], node_names: dict[tuple[str, str], str]) -> list[Finding]:
    """One finding for every contact whose messages from two or more journeys together exceed
    the reference cap in some window (each journey's own cap cannot see the others)."""
    hits: list[tuple[str, int]] = []
    journeys, nodes = Counter(), Counter()
    for contact, ms in by_contact.items():
        worst = None
        for i, j in _windows(ms, cap.window):
            window = ms[i:j]
            if len(window) > cap.messages and len({m.journey for m in window}) > 1:
                if worst is None or len(window) > len(worst):
                    worst = window
        if worst:
            hits.append((contact, len(worst)))
            journeys.update({m.journey for m in worst})
            nodes.update((m.journey, m.node) for m in worst)
    if not hits:
        return []
    hits.sort(key=lambda h: (-h[1], h[0]))
    ordered = [k for k, _ in journeys.most_common()]
    most = hits[0][1]
    return [Finding(
        kind="over-cap", severity="high",
        title=f"{len(hits)} contact{'s get' if len(hits) != 1 else ' gets'} more messages than the cap allows",
        detail=f"Measured against {cap_words}: messages from several journeys together reach up to {most} "
               f"for one contact within {_duration(cap.per)}. Each journey's own cap only counts its own "
               f"messages, so none of them sees the total.",
        advice="Set a cap across all journeys (`switchback workspace set frequency_cap=3/7d`), or let the "
               "higher-priority journey suppress the others.",
        journeys=ordered,
        places=[NodeRef(k, names.get(k, k), n, node_names.get((k, n), n)) for (k, n), _ in nodes.most_common()],
        contacts=len(hits), examples=[f"{c} ({n} messages)" for c, n in hits[:5]],
        breakdown=[(names.get(k, k), f"{n} of these contacts") for k, n in journeys.most_common()])]


def _close_findings(by_contact: dict[str, list], names: dict[str, str],
                    node_names: dict[tuple[str, str], str]) -> list[Finding]:
    """One finding for every contact who gets two messages from different journeys within 24 hours."""
    pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
    nodes: Counter = Counter()
    hit: Counter = Counter()
    for contact, ms in by_contact.items():
        for i, j in _windows(ms, TOO_CLOSE):
            for k in range(i + 1, j):
                a, b = ms[i], ms[k]
                if a.journey == b.journey:
                    continue
                pairs[tuple(sorted((a.journey, b.journey), key=lambda x: names.get(x, x)))].add(contact)
                nodes.update([(a.journey, a.node), (b.journey, b.node)])
                hit[contact] += 1
    if not hit:
        return []
    ranked = sorted(pairs.items(), key=lambda x: (-len(x[1]), [names.get(k, k) for k in x[0]]))
    journeys = list(dict.fromkeys(k for pair, _ in ranked for k in pair))
    return [Finding(
        kind="too-close", severity="medium",
        title=f"{len(hit)} contact{'s get' if len(hit) != 1 else ' gets'} messages from two journeys less than 24 hours apart",
        detail="Two messages from different journeys within a day read as noise to a contact, even when no cap "
               "is broken. The journeys that meet most often:",
        advice="Add a wait before the first message of the later journey, or quiet one journey while the other "
               "runs (suppresses, or an exit when with in_journey('...')).",
        journeys=journeys,
        places=[NodeRef(k, names.get(k, k), n, node_names.get((k, n), n)) for (k, n), _ in nodes.most_common()],
        contacts=len(hit), examples=[c for c, _ in hit.most_common(5)],
        breakdown=[(f"{names.get(a, a)} + {names.get(b, b)}", f"{len(cs)} contact{'s' if len(cs) != 1 else ''}")
                   for (a, b), cs in ranked])]


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _simulated_overlaps(result, journeys: list[Journey], end: datetime, pairs_done: set[frozenset],
                        findings: list[Finding]) -> list[Finding]:
    """Journeys that ran at once for some contact with nothing between them (beyond those that
    share a trigger, which are already findings: those get the count added)."""
    by_key = {j.key: j for j in journeys}
    counts: dict[frozenset, set[str]] = defaultdict(set)
    for cs in result.states.values():
        spans = [(e.journey, e.entered_at, e.ended_at or end) for e in cs.enrollments]
        for i, (ka, sa, ea) in enumerate(spans):
            for kb, sb, eb in spans[i + 1:]:
                if ka != kb and sa < eb and sb < ea:
                    counts[frozenset((ka, kb))].add(cs.email)
    out = []
    for pair, contacts in sorted(counts.items(), key=lambda x: sorted(x[0])):
        ka, kb = sorted(pair)
        a, b = by_key.get(ka), by_key.get(kb)
        if a is None or b is None:
            continue
        if pair in pairs_done:
            for f in findings:
                if f.kind in ("overlap", "same-trigger") and set(f.journeys) == set(pair):
                    f.contacts = len(contacts)
                    f.detail += f" In the simulation, {len(contacts)} contact{'s were' if len(contacts) != 1 else ' was'} in both at once."
                    f.examples = sorted(contacts)[:5]
            continue
        if _between(a, b):
            continue
        out.append(Finding(
            kind="overlap", severity="medium",
            title=f"{len(contacts)} contact{'s were' if len(contacts) != 1 else ' was'} in {a.name} and {b.name} at once, "
                  f"and nothing decides between them",
            detail="They start on different triggers, but the simulation put contacts in both at the same time. "
                   "They have the same priority, neither suppresses the other and neither exits when the "
                   "contact is in the other.",
            advice="Decide which one matters more: give it a higher priority and let it suppress the other.",
            journeys=[ka, kb], places=[NodeRef(ka, a.name), NodeRef(kb, b.name)],
            contacts=len(contacts), examples=sorted(contacts)[:5]))
    return out


BY_HAND = "switchback.audit.enrolled-by-hand"         # an event type no one records


def _without_hand_enrollment(journeys: list[Journey]) -> tuple[list[Journey], list[str]]:
    """`simulate` enrolls every contact in each `trigger.manual` journey at the start (SPEC section 5),
    which would make an onboarding journey message the whole list. The audit shows what the journeys
    do on their own: a manual trigger becomes one no event fires, kept first so `action.enroll`
    steps still enter through it."""
    out, names = [], []
    for j in journeys:
        if not any(t.kind == "trigger.manual" for t in j.triggers()):
            out.append(j)
            continue
        copy = document.from_dict(json.loads(j.dumps()), j.key)
        manual = [n for n in copy.nodes if n.kind == "trigger.manual"]
        for n in manual:
            n.kind, n.config = "trigger.event", {"event": BY_HAND}
        copy.nodes = manual + [n for n in copy.nodes if n not in manual]
        out.append(copy)
        names.append(j.name)
    return out, names


def _stats(result, journeys: list[Journey], start: datetime, days: float, zone: tzinfo, contacts: int) -> MessageStats:
    end = start + timedelta(days=days)
    names = {j.key: j.name for j in journeys}
    to_contacts = Counter(m.journey for m in result.messages if m.channel in CONTACT_CHANNELS)
    internal = Counter(m.journey for m in result.messages if m.channel not in CONTACT_CHANNELS)
    per_node = Counter((m.journey, m.node) for m in result.messages)
    by_node = []
    for j in journeys:
        for n in j.nodes:
            if n.spec and n.spec.channel:
                by_node.append(NodeCount(j.key, j.name, n.id, _node_label(n), CHANNEL_WORDS.get(n.spec.channel, n.spec.channel),
                                         result.entered.get((j.key, n.id), 0), per_node.get((j.key, n.id), 0)))
    first_day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    days_list = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    per_day: dict[date, Counter] = {d: Counter() for d in days_list}
    for m in result.messages:
        if m.channel in CONTACT_CHANNELS:
            per_day.setdefault(m.at.astimezone(zone).date(), Counter())[m.journey] += 1
    by_contact = _contact_messages(result.messages)
    top = []
    for contact, ms in by_contact.items():
        best = max(_windows(ms, TOP_WINDOW), key=lambda w: (w[1] - w[0], -w[0]))
        window = ms[best[0]:best[1]]
        per_journey = Counter(m.journey for m in window)
        top.append(TopContact(contact, len(window), window[0].at.astimezone(zone), window[-1].at.astimezone(zone),
                              [(names.get(k, k), n) for k, n in sorted(per_journey.items(), key=lambda x: (-x[1], x[0]))]))
    top.sort(key=lambda t: (-t.messages, t.contact))
    return MessageStats(
        start=start, end=end, days=days, timezone=str(zone), contacts=len(result.states) or contacts,
        to_contacts=sum(to_contacts.values()), internal=sum(internal.values()),
        by_journey=sorted(((j.key, j.name, to_contacts.get(j.key, 0), internal.get(j.key, 0)) for j in journeys),
                          key=lambda x: (-x[2], -x[3], x[1])),
        by_node=by_node, by_day=[(d, dict(per_day[d])) for d in sorted(per_day)],
        top_contacts=top[:10], reached=len(by_contact))


# --- the audit ---------------------------------------------------------------------------------------

PALETTE = ["#2f6fdf", "#e8833a", "#3aa17e", "#c44e8a", "#8b6bd8", "#d4a72c", "#4bb5c9", "#b5563a",
           "#6e8b3d", "#7a7f8c", "#e05f5f", "#3d5a80"]


def build_audit(journeys: list[Journey], connectors: list[dict] | None = None, contacts: list[dict] | None = None,
                events: list[Event] | None = None, days: float = 30, start: datetime | None = None, *,
                sources: dict[str, str] | None = None, rules=None, subject: str | None = None,
                title: str = "Journey audit", seed: int = 0, hand_enrollment: bool = False) -> Audit:
    """Everything SPEC section 8 asks for, as data. `connectors` is None when unknown (journey files
    without a workspace): then missing connectors are not checked. Without `contacts` nothing is
    simulated, and fields are not checked against contacts. `hand_enrollment` enrolls every contact
    in each manually started journey at the start, as `switchback simulate` does."""
    from switchback.runtime.engine import WorkspaceRules
    from switchback.runtime.simulation import SimulationResult, simulate

    rules = rules or WorkspaceRules()
    sources = sources or {}
    events = list(events or [])
    notes: list[str] = []

    problems: list[ProblemItem] = []
    valid: list[Journey] = []
    seen: dict[str, int] = Counter()
    for j in journeys:
        seen[j.key] += 1
    infos = []
    for j in journeys:
        found = validation.validate(j)
        if seen[j.key] > 1:
            found.append(validation.Problem("journey", f"{seen[j.key]} audited journeys have the key {j.key!r}; keys must be unique"))
        problems += [ProblemItem(j.key, j.name, p.where, _place_words(j, p.where), p.message) for p in found]
        ok = not found
        if ok:
            valid.append(j)
        infos.append(inventory(j, sources.get(j.key, ""), ok))
    if len(valid) < len(journeys):
        left_out = [j.name for j in journeys if j not in valid]
        notes.append(f"Not simulated, because they have problems: {_and(left_out)}. Fix those problems and audit again "
                     f"to include them.")

    findings, pairs = _trigger_findings(journeys)
    findings += _unknown_journeys(journeys)
    findings += [Finding(kind="idle-branch", severity="low", title=f"{_q(_node_label(b.node))} in {j.name} has no effect",
                         detail=f"{_q(_node_label(b.node))} has no effect: {b.words}.", journeys=[j.key],
                         advice="Remove the step, or give its paths different steps if the choice should matter.",
                         places=[NodeRef(j.key, j.name, b.node.id, _node_label(b.node))])
                 for j in journeys for b in idle_branches(j)]
    if connectors is None:
        notes.append("Connectors were not checked: journey files alone do not say which connectors exist. "
                     "Audit the workspace (--workspace) to check them.")
    else:
        findings += _missing_connectors(journeys, connectors)
    if contacts is None:
        notes.append("No contacts were given, so nothing was simulated and fields were not checked. "
                     "Give contacts (--contacts) to see how many messages go out and to whom.")
    else:
        findings += _missing_fields(journeys, contacts, events)

    cap, cap_words = reference_cap(valid, rules.frequency_cap)
    stats = None
    if contacts is not None:
        if start is None:
            start = (min(e.at for e in events).astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
                     if events else datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0))
        runnable = valid
        if not hand_enrollment:
            runnable, by_hand = _without_hand_enrollment(valid)
            if by_hand:
                notes.append(f"Started by hand: {_and(by_hand)}. In this simulation nobody enrolls contacts by "
                             f"hand, so {'it gets' if len(by_hand) == 1 else 'they get'} contacts only from other "
                             f"journeys' “enroll” steps.")
        if runnable:
            result = simulate(runnable, contacts, events, start, days, seed=seed, rules=rules)
        else:                                    # nothing to run (an empty catalog cannot simulate)
            result = SimulationResult([], {}, [], Counter(), 0)
        names = {j.key: j.name for j in journeys}
        node_names = {(j.key, n.id): _node_label(n) for j in journeys for n in j.nodes}
        by_contact = _contact_messages(result.messages)
        findings += _cap_findings(by_contact, cap, cap_words, names, node_names)
        findings += _close_findings(by_contact, names, node_names)
        findings += _simulated_overlaps(result, valid, start + timedelta(days=days), pairs, findings)
        stats = _stats(result, valid, start, days, rules.timezone, len(contacts))
    findings.sort(key=lambda f: f.rank)

    order = [k for k, *_ in stats.by_journey] if stats else []
    order += [j.key for j in journeys if j.key not in order]
    colors = {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(order)}
    return Audit(title=title, subject=subject or "Journeys",
                 generated=datetime.now(timezone.utc).replace(microsecond=0), journeys=infos, problems=problems,
                 findings=findings, messages=stats, reference_cap=cap_words, notes=notes, colors=colors, cap=cap)


def audit_workspace(store, contacts: list[dict] | None = None, events: list[Event] | None = None,
                    days: float = 30, start: datetime | None = None, subject: str | None = None) -> Audit:
    """The audit of a workspace: each journey's latest published version, else its draft; the
    workspace's connectors and rules (time zone, quiet hours, cap across journeys)."""
    from sqlalchemy import select

    from switchback.runtime import published as publishing
    from switchback.runtime.store.models import ConnectorRow, JourneyRow

    journeys, sources, broken = [], {}, []
    with store.session() as s:
        published = publishing.catalog(s).current
        rules = publishing.rules(s)
        connectors = [{"name": c.name, "kind": c.kind} for c in s.scalars(select(ConnectorRow).order_by(ConnectorRow.name))]
        drafts = {row.key: row for row in s.scalars(select(JourneyRow).order_by(JourneyRow.key))}
    for key in sorted(set(drafts) | set(published)):
        if key in published:
            journeys.append(published[key].journey)
            sources[key] = f"published version {published[key].version}"
            continue
        try:
            journeys.append(document.loads(drafts[key].draft, key))
            sources[key] = "draft (not published)"
        except InputError as e:
            broken.append(str(e))
    audit = build_audit(journeys, connectors, contacts, events, days, start, sources=sources, rules=rules,
                        subject=subject or "Workspace")
    audit.notes += [f"A draft that is not a journey was left out: {line}" for line in broken]
    from switchback.runtime.audit_versions import changes_between
    audit.changes = changes_between(store, audit.generated - timedelta(days=days), audit.generated + timedelta(seconds=1))
    return audit


# --- the page ------------------------------------------------------------------------------------

def _scale(value: int) -> tuple[int, int]:
    """A round top for an axis at or above `value`, and its tick step (at most six ticks)."""
    step = 1
    for magnitude in (1, 10, 100, 1000, 10000, 100000, 1000000):
        for mult in (1, 2, 5):
            step = mult * magnitude
            if value <= step * 5:
                top = max(step, -(-value // step) * step)
                return top, step
    return value, value


def day_chart(audit: Audit, width: int = 960, height: int = 280) -> dict[str, Any]:
    """Bars per day, stacked by journey, as shapes the page template draws in SVG."""
    stats = audit.messages
    left, right, top, bottom = 44, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(v.values()) for _, v in stats.by_day]
    ymax, step = _scale(max(totals, default=0))
    n = max(len(stats.by_day), 1)
    slot = plot_w / n
    bar = max(min(slot * 0.72, 40), 1)
    order = [k for k, *_ in stats.by_journey]
    bars, labels = [], []
    every = max(1, round(n / 12))
    for i, (day, counts) in enumerate(stats.by_day):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for key in order:
            c = counts.get(key, 0)
            if not c:
                continue
            h = plot_h * c / ymax
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar, 1), "h": round(h, 1),
                         "color": audit.colors.get(key, "#888"),
                         "tip": f"{day:%a %d %b}: {c} from {audit.journey_names.get(key, key)}"})
        if i % every == 0:
            labels.append({"x": round(left + i * slot + slot / 2, 1), "y": height - bottom + 16, "text": f"{day:%d %b}"})
    ticks = [{"y": round(top + plot_h - plot_h * t / ymax, 1), "text": str(t)} for t in range(0, ymax + 1, step)]
    legend = [{"name": audit.journey_names.get(k, k), "color": audit.colors.get(k, "#888")}
              for k, _, sent, _ in stats.by_journey if sent]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "base": top + plot_h, "bars": bars, "labels": labels, "ticks": ticks, "legend": legend}


def journey_chart(audit: Audit, width: int = 960) -> dict[str, Any]:
    """One horizontal bar per journey: messages to contacts, and team notifications/webhooks apart."""
    stats = audit.messages
    rows = [r for r in stats.by_journey]
    label_w, value_w, row_h = 260, 150, 28
    plot_w = width - label_w - value_w
    vmax = max((r[2] + r[3] for r in rows), default=0) or 1
    out = []
    for i, (key, name, sent, internal) in enumerate(rows):
        y = 8 + i * row_h
        w1 = plot_w * sent / vmax
        w2 = plot_w * internal / vmax
        out.append({"y": y, "name": name, "sent": sent, "internal": internal, "color": audit.colors.get(key, "#888"),
                    "w1": round(w1, 1), "x2": round(label_w + w1, 1), "w2": round(w2, 1),
                    "value_x": round(label_w + w1 + w2 + 8, 1)})
    return {"width": width, "height": 16 + len(rows) * row_h, "label_w": label_w, "rows": out, "row_h": row_h}


def _ticks(text: str):
    """Plain text with `commands` shown as code; everything else escaped."""
    from markupsafe import Markup, escape
    parts = str(text).split("`")
    if len(parts) % 2 == 0:                    # an odd backtick: leave the text as it is
        return escape(text)
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
                           for i, p in enumerate(parts))


def render_html(audit: Audit) -> str:
    """The report as one self-contained page: styles inline, charts as inline SVG, no script."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(str(REPORT_DIR)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda d: f"{d:%a %d %b %Y, %H:%M}"
    env.filters["short"] = lambda d: f"{d:%a %d %b, %H:%M}"
    env.filters["day"] = lambda d: f"{d:%d %b %Y}"
    env.filters["ticks"] = _ticks
    env.filters["days"] = lambda n: f"{n:g} day" + ("" if n == 1 else "s")
    env.filters["plural"] = lambda n, word, many=None: f"{n} {word if n == 1 else (many or word + 's')}"
    css = (REPORT_DIR / "audit.css").read_text(encoding="utf-8")
    return env.get_template("audit.html.j2").render(
        audit=audit, css=Markup(css), severities=SEVERITIES,
        day_chart=day_chart(audit) if audit.messages else None,
        journey_chart=journey_chart(audit) if audit.messages else None)


def chromium() -> str:
    """The headless browser that prints the PDF; a one-line error when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise InputError("chromium", "not found: a PDF report needs Chromium (on Debian or Ubuntu: "
                                 "apt-get install chromium); or write the report as .html")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def run_chromium(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Chromium headless on a page, with a throwaway profile and no network chatter."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="switchback-chromium-") as profile:
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            raise InputError("chromium", f"did not finish within {timeout:g} seconds") from None


def write_report(audit: Audit, path: str | Path) -> Path:
    """`.html`: the page; `.pdf`: the same page printed by headless Chromium."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(str(path), "the report must be an .html or .pdf file")
    html = render_html(audit)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix != ".pdf":
            path.write_text(html, encoding="utf-8")
            return path
        chromium()
        with tempfile.TemporaryDirectory(prefix="switchback-audit-") as tmp:
            page = Path(tmp) / "audit.html"
            page.write_text(html, encoding="utf-8")
            out = Path(tmp) / "audit.pdf"
            p = run_chromium(page.as_uri(), f"--print-to-pdf={out}", "--no-pdf-header-footer")
            if not out.exists() or out.stat().st_size == 0:
                last = (p.stderr.strip().splitlines() or ["no output"])[-1]
                raise InputError(str(path), f"Chromium could not print the PDF: {last}")
            shutil.copyfile(out, path)
    except OSError as e:
        raise InputError(str(path), f"cannot write: {e.strerror or e}") from None
    return path
