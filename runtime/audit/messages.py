"""The journeys simulated together: messages per contact against the caps, messages too close,
overlaps seen in the run, and the message figures."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, tzinfo
from typing import Iterable

from switchback.nodes import declared
from switchback.runtime import document
from switchback.runtime.audit.conflicts import _between
from switchback.runtime.audit.data import (CHANNEL_WORDS, CONTACT_CHANNELS, DEFAULT_CAP, Finding, MessageStats,
                                           NodeCount, NodeRef, TOO_CLOSE, TOP_WINDOW, TopContact)
from switchback.runtime.audit.inventory import _cap_words, _duration, _node_label, _settings
from switchback.runtime.document import Journey
from switchback.runtime.settings import FrequencyCap


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
        if not any(t.declaration.by_hand for t in j.triggers()):
            out.append(j)
            continue
        copy = document.from_dict(json.loads(j.dumps()), j.key)
        manual = [n for n in copy.nodes if n.declaration is not None and n.declaration.by_hand]
        for n in manual:
            n.kind, n.config = declared.EVENT.name, {"event": BY_HAND}
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
            if n.declaration and n.declaration.channel:
                by_node.append(NodeCount(j.key, j.name, n.id, _node_label(n), CHANNEL_WORDS.get(n.declaration.channel, n.declaration.channel),
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
