"""Experiments that learn (SPEC 12), on seeded simulations whose true rates are known: a split's
variants compared, an optimized split giving the better variant more contacts, and a holdout
measuring what a journey adds."""
from collections import Counter
from datetime import timedelta

from switchback.runtime.contacts import Event
from switchback.runtime.simulation import simulate
from tests.runtime.results_kit import START, Clicks, Purchases, contacts, holdout_journey, signups, split_journey

RATES = {"mail_a": 0.05, "mail_b": 0.08}


def _run(journey, n, responses, days=20, extra=()):
    people = contacts(n)
    return simulate([journey], people, signups(people, days) + list(extra), START, days + 10, responses=responses)


def test_a_split_at_5_and_8_percent_clicks_over_20000_contacts_names_b_best_with_8_percent_inside_its_interval():
    result = _run(split_journey(), 20_000, Clicks(RATES))
    variants = result.results()["journeys"]["ab"]["variants"]["split"]
    a, b = variants["a"], variants["b"]
    assert a["entered"] + b["entered"] == 20_000
    assert 0.45 < a["entered"] / 20_000 < 0.55                        # by weight, 50/50
    assert b["p_best"] > 0.95 and abs(a["p_best"] + b["p_best"] - 1) < 1e-9
    assert b["low"] <= 0.08 <= b["high"]
    assert a["low"] <= 0.05 <= a["high"]


def test_an_optimized_split_gives_the_better_variant_most_contacts_once_both_have_their_minimum():
    n = 20_000
    again = [Event(f"c{i:05d}@example.test", "signed_up", START + timedelta(days=25, minutes=i // 10), {})
             for i in range(0, n, 10)]                                # a tenth sign up again, long after
    journey = split_journey({"metric": "email_clicked", "min": 100}, reentry="always")
    result = _run(journey, n, Clicks(RATES), extra=again)
    given = sorted(((e.entered_at, e.id, e.marks["v"]["split"], cs.email) for cs in result.states.values()
                    for e in cs.enrollments if e.marks and "v" in e.marks))
    # (one who clicked before meets the goal again on entering: it converts before the split)
    assert n + 0.9 * len(again) < len(given) <= n + len(again)
    seen, after = Counter(), Counter()
    for _, _, port, _ in given:
        if min(seen["a"], seen["b"]) >= 100:
            after[port] += 1
        seen[port] += 1
    assert after["b"] / sum(after.values()) >= 0.70, after
    kept: dict[str, set] = {}
    for _, _, port, email in given:
        kept.setdefault(email, set()).add(port)
    assert sum(1 for ports in kept.values() if len(ports) > 1) == 0          # nobody ever changes variant
    assert sum(1 for cs in result.states.values() if len(cs.enrollments) == 2) == len(again)
    report = result.results()["journeys"]["ab"]["variants"]["split"]
    assert report["b"]["entered"] == seen["b"] and report["a"]["entered"] == seen["a"]


def test_a_10_percent_holdout_measures_the_3_point_lift_of_the_journeys_emails_and_holds_out_everything():
    n = 20_000
    result = _run(holdout_journey(10), n, Purchases(0.10, 0.13), days=10)
    r = result.results()["journeys"]["nurture"]
    h = r["holdout"]
    assert r["enrolled"] == n and 0.08 < h["entered"] / n < 0.12
    assert h["low"] <= 0.03 <= h["high"] and h["low"] > 0, h
    assert abs(h["lift"] - ((r["converted"] - h["converted"]) / (n - h["entered"]) - h["rate"])) < 1e-12
    held = {cs.email for cs in result.states.values() for e in cs.enrollments if e.marks.get("h")}
    assert len(held) == h["entered"]
    assert not [m for m in result.messages if m.contact in held]                # sent nothing
    for email in held:
        fields = result.states[email].fields
        assert "nurtured" not in (fields.get("tags") or []) and "stage" not in fields     # changed nothing
    treated = [cs for cs in result.states.values() if cs.email not in held]
    assert all(cs.fields["stage"] == "nurtured" for cs in treated)
    assert r["nodes"]["mail"]["skipped"] == {"held out: not sent": len(held)}
    assert r["nodes"]["mail"]["sent"] == n - len(held)
