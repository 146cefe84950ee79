"""A contact's steps turned into the counts a journey's results are made of (SPEC 12): per
journey, node, variant and day. The scheduler adds them to the store in the transaction that
saves the steps (runtime/store/stepping.py); the simulator adds them up in memory."""
from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime, timezone

from switchback.nodes.outcomes import Did
from switchback.runtime.experiments import HOLDOUT
from switchback.runtime.state import ContactState

Key = tuple[str, str, str, str, str]          # journey, node ("" the journey), variant, what, day
_ENDS = {Did.COMPLETED: "completed", Did.EXITED: "exited", Did.CONVERTED: "converted", Did.ERROR: "errors"}


@functools.lru_cache(maxsize=4096)            # a batch's steps share a few moments
def day(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).date().isoformat()


def take(cs: ContactState, into: Counter | None = None, standings=None) -> Counter:
    """What the contact's new steps (its log, not yet collected) and `counted` add to the counts.
    Marks a sending node on its enrollment, so engagement with that message can count later.
    `standings` (the simulator's) hears each variant's conversions as they happen, for goal-optimized
    splits."""
    out = Counter() if into is None else into
    if cs.log:
        _steps(cs, out, standings)
    if cs.counted:
        for journey, node, variant, what, at in cs.counted:
            out[(journey, node, variant, what, day(at))] += 1
        cs.counted.clear()
    return out


# Bound once: this runs for every step of every contact, and an enum member read off its class
# costs four times a local name on Python 3.11.
_ENTERED, _SENT, _SKIPPED, _CONVERTED = Did.ENTERED, Did.SENT, Did.SKIPPED, Did.CONVERTED


def _steps(cs: ContactState, out: Counter, standings) -> None:
    by_id = None
    for s in cs.log:
        what = s.what
        if what == _ENTERED:
            if s.enrollment is not None and s.journey is not None and s.node is not None:
                out[(s.journey, s.node, "", "entered", day(s.at))] += 1
            continue
        end = _ENDS.get(what)
        if (end is None and what != _SENT and what != _SKIPPED) or s.enrollment is None \
                or s.journey is None or s.node is None:
            continue
        if end is None:
            out[(s.journey, s.node, "", "sent" if what == _SENT else f"skipped:{s.detail}"[:200], day(s.at))] += 1
            if what == _SENT:
                by_id = by_id or {e.id: e for e in cs.enrollments}
                e = by_id.get(s.enrollment)
                if e is not None:
                    sent = (e.marks or {}).get("s", [])
                    if s.node not in sent:
                        e.marks = {**(e.marks or {}), "s": [*sent, s.node]}
                        e.dirty = True
            continue
        d = day(s.at)
        out[(s.journey, "", "", end, d)] += 1
        if what == _CONVERTED:
            by_id = by_id or {e.id: e for e in cs.enrollments}
            marks = getattr(by_id.get(s.enrollment), "marks", None) or {}
            for split, port in (marks.get("v") or {}).items():
                out[(s.journey, split, port, "converted", d)] += 1
                if standings is not None:
                    standings.add(s.journey, split, port, "converted")
            if marks.get("h"):
                out[(s.journey, "", HOLDOUT, "converted", d)] += 1
