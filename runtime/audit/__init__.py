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

from collections import Counter
from datetime import datetime, timedelta, timezone

from switchback.runtime import document, validation
from switchback.runtime.audit.conflicts import (_missing_connectors, _missing_fields, _trigger_findings,
                                                _unknown_journeys, overlap)
from switchback.runtime.audit.data import Audit, Finding, NodeRef, ProblemItem
from switchback.runtime.audit.inventory import _node_label, _place_words, _q, inventory
from switchback.runtime.audit.messages import (_and, _cap_findings, _close_findings, _contact_messages,
                                               _simulated_overlaps, _stats, _without_hand_enrollment, reference_cap)
from switchback.runtime.audit.page import CHROMIUM_FLAGS, chromium, render_html, write_report
from switchback.runtime.contacts import Event
from switchback.runtime.document import Journey
from switchback.runtime.idle_branches import idle_branches
from switchback.runtime.problems import InputError


__all__ = ["Audit", "build_audit", "audit_workspace", "inventory", "overlap", "reference_cap", "render_html",
           "write_report", "chromium", "CHROMIUM_FLAGS"]

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
        else:                                    # nothing to run (no published journeys to simulate)
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

    from switchback.runtime import engine_inputs
    from switchback.runtime.store.models import ConnectorRow, JourneyRow

    journeys, sources, broken = [], {}, []
    with store.session() as s:
        published = engine_inputs.published_journeys(s).current
        rules = engine_inputs.rules(s)
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
