"""A journey's results (SPEC 12) from the counts kept as steps happen (runtime/tally.py writes
them): a few grouped rows per report, whatever the length of the history."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any, Iterable

from sqlalchemy import func, select

from switchback.runtime import stats
from switchback.runtime.document import Journey
from switchback.runtime.store.models import Contact, EnrollmentRow, OutboxRow, StepRow
from switchback.runtime.store.results_models import ResultCount
from switchback.runtime.store.workspace import Store

JOURNEY_COUNTS = ("enrolled", "completed", "exited", "converted", "errors")
NODE_COUNTS = ("entered", "sent", "failed", "delivered", "opened", "clicked", "unsubscribed", "bounced")
HOLDOUT = "holdout"                    # the variant under which held-out contacts are counted
Sums = dict[tuple[str, str, str, str], int]     # (journey, node, variant, what) -> count


def day_of(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        moment = (moment if moment.tzinfo is None else moment.astimezone(timezone.utc)).date()
    return moment.isoformat()


def _interval(k: int, n: int) -> dict[str, float]:
    rate, low, high = stats.wilson(k, n)
    return {"rate": rate, "low": low, "high": high}


def assemble(journeys: Iterable[Journey], sums: Sums, now: dict[tuple[str, str], int],
             failed: dict[tuple[str, str], int] | None = None) -> dict[str, Any]:
    """The SPEC 12 object for `journeys` from summed counts, the contacts at each node now, and
    the failed messages per node (the outbox keeps those)."""
    failed = failed or {}
    out: dict[str, Any] = {}
    for j in journeys:
        key = j.key
        get = lambda node, what, variant="": sums.get((key, node, variant, what), 0)   # noqa: E731
        r: dict[str, Any] = {w: get("", w) for w in JOURNEY_COUNTS}
        r["active"] = sum(n for (jk, _), n in now.items() if jk == key)
        r["conversion"] = _interval(r["converted"], r["enrolled"])
        skipped = defaultdict(lambda: defaultdict(int))
        for (jk, node, variant, what), n in sums.items():
            if jk == key and variant == "" and what.startswith("skipped:"):
                skipped[node][what[8:]] += n
        nodes, variants = {}, {}
        for n in j.nodes:
            counts = {w: get(n.id, w) for w in NODE_COUNTS}
            counts["failed"] = failed.get((key, n.id), 0)
            counts["now"] = now.get((key, n.id), 0)
            counts["skipped"] = dict(skipped.get(n.id, {}))
            nodes[n.id] = counts
            if n.declaration is not None and n.declaration.splits:
                ports = n.declaration.output_ports(n.parsed())
                standing = [(get(n.id, "converted", p), get(n.id, "entered", p)) for p in ports]
                best = stats.p_best(standing)
                variants[n.id] = {p: {"entered": e, "converted": c, **_interval(c, e), "p_best": b}
                                  for p, (c, e), b in zip(ports, standing, best)}
        r["nodes"], r["variants"] = nodes, variants
        ho_in, ho_conv = get("", "entered", HOLDOUT), get("", "converted", HOLDOUT)
        lift, low, high = stats.newcombe(r["converted"] - ho_conv, r["enrolled"] - ho_in, ho_conv, ho_in)
        r["holdout"] = {"entered": ho_in, "converted": ho_conv, "rate": ho_conv / ho_in if ho_in else 0.0,
                        "lift": lift, "low": low, "high": high}
        out[key] = r
    return {"journeys": out}


def _published(s, keys: list[str] | None) -> list[Journey]:
    from switchback.runtime.engine_inputs import published_journeys
    current = published_journeys(s).current
    wanted = sorted(current) if keys is None else keys
    return [current[k].journey for k in wanted if k in current]


def _period(q, column, since, until):
    if since is not None:
        q = q.where(column >= day_of(since))
    if until is not None:
        q = q.where(column <= day_of(until))
    return q


def sums(s, keys: list[str], since=None, until=None) -> Sums:
    rc = ResultCount.__table__.c
    q = (select(rc.journey, rc.node, rc.variant, rc.what, func.sum(rc.value))
         .where(rc.journey.in_(keys)).group_by(rc.journey, rc.node, rc.variant, rc.what))
    return {(j, n, v, w): int(total) for j, n, v, w, total in s.execute(_period(q, rc.day, since, until))}


def at_nodes(s, keys: list[str]) -> dict[tuple[str, str], int]:
    en = EnrollmentRow.__table__.c
    q = (select(en.journey, en.node, func.count()).where(en.journey.in_(keys), en.state == "active")
         .group_by(en.journey, en.node))
    return {(j, n): c for j, n, c in s.execute(q)}


def failed_at(s, keys: list[str], since=None, until=None) -> dict[tuple[str, str], int]:
    ob = OutboxRow.__table__.c
    q = (select(ob.journey, ob.node, func.count()).where(ob.status == "failed", ob.journey.in_(keys))
         .group_by(ob.journey, ob.node))
    if since is not None:
        q = q.where(ob.at >= since)
    if until is not None:
        q = q.where(ob.at <= until)
    return {(j, n): c for j, n, c in s.execute(q)}


def journey_results(store: Store, keys: list[str] | None = None, since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, Any]:
    """The SPEC 12 object for the published journeys `keys` (all of them by default). The
    period is by day (UTC): a count belongs to the day its step happened."""
    with store.session() as s:
        journeys = _published(s, keys)
        names = [j.key for j in journeys]
        return assemble(journeys, sums(s, names, since, until), at_nodes(s, names),
                        failed_at(s, names, since, until))


def daily(store: Store, key: str, since: datetime | None = None,
          until: datetime | None = None) -> list[tuple[date, int, int]]:
    """(day, enrolled, converted) for each day that has either, in order."""
    rc = ResultCount.__table__.c
    q = (select(rc.day, rc.what, func.sum(rc.value))
         .where(rc.journey == key, rc.node == "", rc.variant == "", rc.what.in_(("enrolled", "converted")))
         .group_by(rc.day, rc.what))
    days: dict[str, list[int]] = {}
    with store.session() as s:
        for day, what, total in s.execute(_period(q, rc.day, since, until)):
            days.setdefault(day, [0, 0])[0 if what == "enrolled" else 1] += int(total)
    return [(date.fromisoformat(d), e, c) for d, (e, c) in sorted(days.items())]


def contacts_at(store: Store, key: str, node_id: str, search: str = "", limit: int = 200) -> list[dict[str, Any]]:
    """The contacts at a node now, newest arrival first: email, name, since when, and the variant
    they were given where the journey splits them."""
    en, c = EnrollmentRow.__table__.c, Contact.__table__.c
    q = (select(en.id, en.contact_id, c.email, c.fields, en.entered_at, en.marks)
         .join(Contact.__table__, c.id == en.contact_id)
         .where(en.journey == key, en.node == node_id, en.state == "active"))
    if search:
        q = q.where(c.email.contains(search.strip().lower(), autoescape=True))
    with store.session() as s:
        rows = s.execute(q.order_by(en.entered_at.desc()).limit(limit)).all()
        st = StepRow.__table__.c
        arrived: dict[str, datetime] = {}
        if rows:
            # When each arrived at this node: its last `entered` step there (steps are indexed by contact).
            steps = s.execute(select(st.enrollment_id, func.max(st.at))
                              .where(st.contact_id.in_([r.contact_id for r in rows]), st.journey == key,
                                     st.node == node_id, st.what == "entered")
                              .group_by(st.enrollment_id))
            arrived = {eid: at for eid, at in steps}
    out = []
    for r in rows:
        fields = r.fields or {}
        name = " ".join(str(fields[f]) for f in ("first_name", "last_name") if fields.get(f))
        variants = (r.marks or {}).get("v") or {}
        out.append({"email": fields.get("email", r.email), "name": name,
                    "since": arrived.get(r.id, r.entered_at), "variant": ", ".join(variants.values()) or None})
    out.sort(key=lambda x: x["since"], reverse=True)
    return out
