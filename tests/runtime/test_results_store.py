"""The results of a workspace run: every number `report --json` gives equals the one recounted
independently from each contact's `trace --json` and the outbox; the intervals equal statsmodels'."""
import json
import random
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from sqlalchemy import select
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts import Event
from switchback.runtime.engagement import record_engagement
from switchback.runtime.results import daily
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import OutboxRow
from switchback.runtime.store.workspace import Store
from switchback.runtime.trace import as_object
from tests.runtime.results_kit import START, contacts, split_journey
from tests.support.cli import sw

N = 2000


def _journey():
    return split_journey(holdout=10)


@pytest.fixture
def ws(tmp_path):
    path = tmp_path / "w.sqlite"
    store = Store(f"sqlite:///{path}")
    people = contacts(N)
    for p in people[::25]:
        p["consent_email"] = "unsubscribed"                       # skipped: not sent
    clock = VirtualClock(START)
    with store.session() as s:
        repo.import_contacts(s, people, START)
        repo.publish(s, _journey(), START)
        repo.record_events(s, [Event(p["email"], "signed_up", START + timedelta(minutes=i % 600), {})
                               for i, p in enumerate(people)], START)
    scheduler = Scheduler(store, clock)
    clock.advance_to(START + timedelta(hours=11))
    scheduler.run(until_idle=True)
    with store.session() as s:
        ids = s.scalars(select(OutboxRow.id).order_by(OutboxRow.id)).all()
    rng = random.Random(3)
    at = START + timedelta(hours=12)
    for mid in ids:                                # opens, clicks (some twice), a bounce now and then
        u = rng.random()
        if u < 0.4:
            record_engagement(store, mid, "email_opened", {}, at)
        if u < 0.12:
            record_engagement(store, mid, "email_clicked", {"url": "https://example.test/"}, at)
        if u < 0.03:
            record_engagement(store, mid, "email_clicked", {"url": "https://example.test/"}, at + timedelta(minutes=5))
        if 0.97 < u:
            record_engagement(store, mid, "email_bounced", {"kind": "soft", "reason": "full"}, at)
    clock.advance_to(START + timedelta(hours=13))
    scheduler.run(until_idle=True)
    with store.session() as s:
        s.execute(OutboxRow.__table__.update().where(OutboxRow.id.in_(ids[:7])).values(status="failed", error="refused"))
    yield store, ["--workspace", str(path)]
    store.close()


def _recount(store):
    """The numbers of SPEC 12 for journey `ab`, from each contact's trace and the outbox alone."""
    j = Counter()
    nodes = defaultdict(Counter)
    skipped = defaultdict(Counter)
    variants = defaultdict(Counter)
    held = Counter()
    with store.session() as s:
        emails = [p["email"] for p in contacts(N)]
        for email in emails:
            t = as_object(s, email)
            for e in t["journeys"]:
                j["enrolled"] += 1
                j[{"completed": "completed", "exited": "exited", "converted": "converted", "error": "errors"}
                  .get(e["state"], "active")] += 1
                if e["state"] == "active":
                    nodes[e["node"]]["now"] += 1
                if "variant" in e:
                    port = e["variant"]["split"]
                    variants[port]["entered"] += 1
                    variants[port]["converted"] += e["state"] == "converted"
                if e.get("held_out"):
                    held["entered"] += 1
                    held["converted"] += e["state"] == "converted"
            for line in t["timeline"]:
                if line["journey"] == "ab" and line["what"] in ("entered", "sent"):
                    nodes[line["node"]][line["what"]] += 1
                elif line["journey"] == "ab" and line["what"] == "skipped" and line["node"]:
                    skipped[line["node"]][line["note"]] += 1
            for m in t["messages"]:
                nodes[m["node"]]["opened"] += m["opened"]
                nodes[m["node"]]["clicked"] += m["clicked"]
                nodes[m["node"]]["failed"] += m["status"] == "failed"
            bounced = {ev["properties"]["message"] for ev in t["events"] if ev["type"] == "email_bounced"}
            for m in t["messages"]:
                nodes[m["node"]]["bounced"] += m["id"] in bounced
        for node, n in s.execute(select(OutboxRow.node, OutboxRow.id)).all():
            nodes[node]["outbox"] += 1
    return j, nodes, skipped, variants, held


def test_every_number_of_report_json_equals_its_recount_from_trace_and_the_outbox(ws):
    store, where = ws
    rc, out, err = sw("report", "--json", *where)
    assert rc == 0, err
    r = json.loads(out)["journeys"]["ab"]
    j, nodes, skipped, variants, held = _recount(store)
    assert r["enrolled"] == N == j["enrolled"]
    for k in ("active", "completed", "exited", "converted", "errors"):
        assert r[k] == j[k], k
    for node, got in r["nodes"].items():
        for k in ("entered", "now", "sent", "failed", "opened", "clicked", "bounced"):
            assert got[k] == nodes[node][k], (node, k)
        assert got["skipped"] == dict(skipped[node]), node
        assert got["sent"] == nodes[node]["outbox"], node
        assert got["delivered"] == got["unsubscribed"] == 0
    assert r["nodes"]["mail_a"]["opened"] > 0 and r["nodes"]["mail_b"]["clicked"] > 0 and r["converted"] > 0
    assert sum(r["nodes"][n]["skipped"].get("not sent: unsubscribed from email", 0) for n in ("mail_a", "mail_b")) > 0
    for port, v in r["variants"]["split"].items():
        assert (v["entered"], v["converted"]) == (variants[port]["entered"], variants[port]["converted"])
        low, high = proportion_confint(v["converted"], v["entered"], method="wilson")
        assert abs(v["low"] - low) < 1e-6 and abs(v["high"] - high) < 1e-6
    low, high = proportion_confint(r["converted"], r["enrolled"], method="wilson")
    assert abs(r["conversion"]["low"] - low) < 1e-6 and abs(r["conversion"]["high"] - high) < 1e-6
    h = r["holdout"]
    assert (h["entered"], h["converted"]) == (held["entered"], held["converted"]) and h["entered"] > 100
    low, high = confint_proportions_2indep(r["converted"] - h["converted"], N - h["entered"], h["converted"], h["entered"],
                                           method="newcomb", compare="diff")
    assert abs(h["low"] - low) < 1e-6 and abs(h["high"] - high) < 1e-6
    assert sum(e for _, e, _ in daily(store, "ab")) == N


def test_the_html_report_draws_each_journey_and_bad_periods_are_one_line(ws, tmp_path):
    store, where = ws
    page = tmp_path / "r.html"
    rc, out, err = sw("report", "-o", page, *where)
    assert rc == 0, err
    html = page.read_text()
    assert "<svg" in html and "mail_a" in html and "Variants at split" in html and "Holdout" in html
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    rc, out, err = sw("report", "--since", "2026-03-05T00:00:00Z", "--until", "2026-03-01T00:00:00Z", "--json", *where)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "--since" in err, err
    rc, out, err = sw("report", "nope", *where)
    assert rc == 2 and err.strip().startswith("nope:"), err
    rc, out, err = sw("report", "--since", "2026-03-09T00:00:00Z", "--json", *where)
    assert rc == 0 and json.loads(out)["journeys"]["ab"]["enrolled"] == 0
