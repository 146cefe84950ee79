"""The journey templates a marketer starts from (resources/templates): each one is valid, is written in
the canonical format (it saves back byte for byte), is laid out for the designer, and does what it
says when simulated against a few sample contacts and the events its trigger needs."""
from datetime import date, datetime, timedelta, timezone

import pytest

from switchback import nodes
from switchback.runtime import document, validation
from switchback.runtime.contacts import Event
from switchback.runtime.simulation import simulate
from tests.conftest import ROOT

TEMPLATES = ROOT / "resources" / "templates"
FILES = sorted(TEMPLATES.glob("*.journey.json"))
START = datetime(2026, 3, 2, tzinfo=timezone.utc)            # a Monday
CONNECTORS = {"smtp", "twilio", "crm-webhook"}


def at(days: float = 0, hours: float = 0, minutes: float = 0) -> datetime:
    return START + timedelta(days=days, hours=hours, minutes=minutes)


def event(contact: str, type: str, when: datetime, **properties) -> Event:
    return Event(contact=contact, type=type, at=when, properties=properties)


def person(email: str, first_name: str, **fields) -> dict:
    return {"email": email, "first_name": first_name, "last_name": "Example", "company": "Acme",
            "consent_email": "subscribed", **fields}


def enrollment(result, email: str, key: str):
    [e] = [e for e in result.states[email].enrollments if e.journey == key]
    return e


# For each template: contacts, the events its trigger needs, how long to run, the nodes that must be
# reached, and optional further checks on the result.
def _nurture(r):
    assert r.entered[("lead-nurture", "download")] == 4            # the newsletter form does not enter
    assert r.states["ann@t.test"].fields["lifecycle_stage"] == "marketing-qualified"
    assert "nurture-unengaged" in r.states["bob@t.test"].fields["tags"]


def _routing(r):
    owners = {email: r.states[email].fields.get("owner") for email in r.states}
    assert owners["de@t.test"] == "lena.vogel@example.com"      # by country rule
    assert owners["us@t.test"] == "sam.lee@example.com"         # first in the round robin
    assert owners["kim@t.test"] == "kim.owner@example.com"      # an existing owner is kept
    assert owners["fr@t.test"] is None                          # an ebook form does not route
    assert r.states["de@t.test"].fields["lifecycle_stage"] == "sales-qualified"
    assert {m.to for m in r.messages if m.channel == "notify"} == {
        "lena.vogel@example.com", "sam.lee@example.com", "kim.owner@example.com"}


def _deal(r):
    assert r.states["won@t.test"].fields["lifecycle_stage"] == "customer"
    assert "customer" in r.states["won@t.test"].fields["tags"]
    assert not r.states["lost@t.test"].enrollments


def _reengagement(r):
    quiet = r.states["quiet@t.test"].fields
    assert "cold" in quiet["tags"] and quiet["score"] == -10
    assert "re-engaged" in r.states["clicker@t.test"].fields["tags"]
    assert enrollment(r, "client@t.test", "re-engagement").state == "exited"    # customers are left alone
    assert "cold" not in r.states["client@t.test"].fields["tags"]


def _onboarding(r):
    assert enrollment(r, "power@t.test", "onboarding").state == "converted"
    check_in = [m for m in r.messages if m.node == "check-in"]
    assert check_in and all(m.at.weekday() < 5 and m.at.hour == 9 for m in check_in)
    assert [m.to for m in r.messages if m.node == "alert-owner"] == ["csm@example.com"]


def _welcome(r):
    assert r.entered[("welcome-series", "start-a")] + r.entered[("welcome-series", "start-b")] == 10


def _cart(r):
    assert enrollment(r, "quick@t.test", "abandoned-cart").state == "converted"
    assert not [m for m in r.messages if m.contact == "quick@t.test"]
    assert enrollment(r, "later@t.test", "abandoned-cart").state == "converted"
    assert [m.contact for m in r.messages if m.channel == "sms"] == ["texter@t.test"]
    reminder = next(m for m in r.messages if m.node == "reminder" and m.contact == "texter@t.test")
    assert "https://shop.example.com/cart/abc" in reminder.payload["body"]


def _webinar(r):
    by_contact = {}
    for m in r.messages:
        by_contact.setdefault(m.contact, []).append(m.node)
    assert by_contact == {"hot@t.test": ["tell-sales", "hot-thanks"], "keen@t.test": ["thanks"],
                          "missed@t.test": ["replay"]}
    assert "webinar-no-show" in r.states["missed@t.test"].fields["tags"]


def _renewal(r):
    firsts = [m for m in r.messages if m.node == "first-reminder"]
    assert {m.at for m in firsts} == {at(10, 9)}
    assert enrollment(r, "churned@t.test", "renewal-reminder").state == "exited"
    assert enrollment(r, "renewed@t.test", "renewal-reminder").state == "exited"
    assert not [m for m in r.messages if m.contact == "renewed@t.test" and m.node == "final-reminder"]
    [task] = [m for m in r.messages if m.node == "crm-task"]
    assert task.payload["body"] == {"type": "renewal_task", "email": "solo@t.test", "company": "Acme",
                                    "renewal_date": "2026-04-11",
                                    "note": "Renews in 7 days and has no account owner."}


def _deal_won(r):
    assert {m.contact for m in r.messages if m.node == "welcome"} == {"ann@t.test", "bob@t.test"}
    assert r.states["ann@t.test"].fields["lifecycle_stage"] == "customer"
    assert not r.states["lou@t.test"].enrollments                       # a deal lost starts nothing


def _form(r):
    assert [m.node for m in r.messages if m.contact == "fay@t.test"] == ["thanks", "guide", "case-study"]
    assert enrollment(r, "won@t.test", "form-nurture").state == "exited"       # a customer meanwhile


def deal(contact: str, when: datetime, stage: str) -> Event:
    return event(contact, "deal_stage_changed", when, deal="7", deal_name="Acme renewal", pipeline="default",
                 stage=stage, from_stage="contractsent", stage_label=stage.title(), amount=1200.0,
                 close_date="2026-03-31")


RENEWS = date(2026, 4, 11)                                   # START + 40 days
SCENARIOS = {
    "deal-won-onboarding": dict(
        contacts=[person("ann@t.test", "Ann"), person("bob@t.test", "Bob"), person("lou@t.test", "Lou")],
        events=[deal("ann@t.test", at(1, 10), "closedwon"), deal("bob@t.test", at(1, 10), "closedwon"),
                deal("lou@t.test", at(1, 10), "closedlost")],
        days=4,
        reached={"customer", "welcome", "tips"},
        then=_deal_won),
    "form-nurture": dict(
        contacts=[person("fay@t.test", "Fay"), person("won@t.test", "Wes")],
        events=[event("fay@t.test", "form_submitted", at(0, 10), form="Contact us", form_id="f-1",
                      page_url="https://www.example.com/contact"),
                event("won@t.test", "form_submitted", at(0, 10), form="Contact us", form_id="f-1"),
                event("won@t.test", "contact_updated", at(1, 10), lifecycle_stage="customer")],
        days=12,
        reached={"thanks", "guide", "case-study"},
        then=_form),
    "lead-nurture": dict(
        contacts=[person("ann@t.test", "Ann", score=30), person("bob@t.test", "Bob"),
                  person("cat@t.test", "Cat"), person("eve@t.test", "Eve"), person("dan@t.test", "Dan")],
        events=[*(event(c, "form_submitted", at(0, 10), form="ebook")
                  for c in ("ann@t.test", "bob@t.test", "cat@t.test", "eve@t.test")),
                event("dan@t.test", "form_submitted", at(0, 10), form="newsletter"),
                event("ann@t.test", "email_clicked", at(1, 9)),
                event("cat@t.test", "email_clicked", at(1, 12)),
                event("eve@t.test", "email_clicked", at(4, 9))],
        days=20,
        reached={"thanks", "demo-offer", "mql", "nudge", "clicked-2", "unengaged", "case-study", "last-nurture"},
        then=_nurture),
    "lead-routing": dict(
        contacts=[person("de@t.test", "Dirk", country="DE", score=40), person("us@t.test", "Uma", country="US"),
                  person("kim@t.test", "Kim", country="GB", score=45, owner="kim.owner@example.com"),
                  person("fr@t.test", "Flo", country="FR")],
        events=[event("de@t.test", "contact_updated", at(0, 9), score=55),
                event("us@t.test", "form_submitted", at(0, 10), form="demo-request"),
                event("kim@t.test", "contact_updated", at(0, 11), score=60),
                event("fr@t.test", "form_submitted", at(0, 12), form="ebook")],
        days=2,
        reached={"assign", "sql", "notify-owner", "crm-sync"},
        then=_routing),
    "deal-stage": dict(
        contacts=[person("won@t.test", "Wanda", deal_stage="negotiation", lifecycle_stage="sales-qualified",
                         tags=["mql"], owner="sam.lee@example.com"),
                  person("lost@t.test", "Lou", deal_stage="negotiation")],
        events=[event("won@t.test", "contact_updated", at(1, 10), deal_stage="closed_won"),
                event("lost@t.test", "contact_updated", at(1, 10), deal_stage="closed_lost")],
        days=2,
        reached={"leave-sales", "customer", "onboard", "tell-cs"},
        then=_deal),
    "re-engagement": dict(
        contacts=[person("quiet@t.test", "Quinn"), person("clicker@t.test", "Cleo", tags=["cold"]),
                  person("client@t.test", "Cliff", lifecycle_stage="customer")],
        events=[event("clicker@t.test", "email_clicked", at(61, 12))],
        days=90,
        reached={"miss-you", "back", "back-score", "last-chance", "cold", "cold-score"},
        then=_reengagement),
    "onboarding": dict(
        contacts=[person("power@t.test", "Pat"), person("trying@t.test", "Tia"),
                  person("idle@t.test", "Ida", owner="csm@example.com", phone="+15550100")],
        events=[*(event("power@t.test", "feature_used", at(1, h)) for h in (10, 11, 12)),
                event("trying@t.test", "feature_used", at(1, 10))],
        days=14,
        reached={"welcome", "tips", "setup-help", "check-in", "alert-owner"},
        then=_onboarding),
    "welcome-series": dict(
        contacts=[person(f"new{i}@t.test", f"New{i}") for i in range(10)],
        events=[event(f"new{i}@t.test", "signed_up", at(0, 9)) for i in range(10)],
        days=7,
        reached={"welcome", "start-a", "start-b", "next-steps"},
        then=_welcome),
    "abandoned-cart": dict(
        contacts=[person(f"{name}@t.test", name.title(), cart_url="https://shop.example.com/cart/abc", **extra)
                  for name, extra in (("quick", {}), ("later", {}), ("nosms", {"phone": "+15550101"}),
                                      ("texter", {"phone": "+15550102", "consent_sms": "subscribed"}))],
        events=[*(event(f"{name}@t.test", "cart_abandoned", at(0, 10)) for name in ("quick", "later", "nosms", "texter")),
                event("quick@t.test", "order_completed", at(0, 10, 30)),
                event("later@t.test", "order_completed", at(0, 15))],
        days=3,
        reached={"reminder", "sms", "no-sms"},
        then=_cart),
    "webinar-followup": dict(
        contacts=[person(f"{name}@t.test", name.title(), score=score, webinar_title="Automation in 30 minutes",
                         webinar_date=date(2026, 3, 4), webinar_replay_url="https://example.com/replay/42")
                  for name, score in (("hot", 60), ("keen", 10), ("missed", 70))],
        events=[*(event(f"{name}@t.test", "webinar_registered", at(0, 12)) for name in ("hot", "keen", "missed")),
                event("hot@t.test", "webinar_attended", at(2, 16)),
                event("keen@t.test", "webinar_attended", at(2, 16))],
        days=5,
        reached={"tell-sales", "hot-thanks", "thanks", "attendee-score", "replay", "no-show"},
        then=_webinar),
    "renewal-reminder": dict(
        contacts=[person("owned@t.test", "Olga", renewal_date=RENEWS, owner="sam.lee@example.com"),
                  person("solo@t.test", "Sol", renewal_date=RENEWS),
                  person("churned@t.test", "Chad", renewal_date=RENEWS, lifecycle_stage="churned"),
                  person("renewed@t.test", "Rae", renewal_date=RENEWS)],
        events=[event("renewed@t.test", "contact_updated", at(20, 12), renewal_date="2027-04-11")],
        days=40,
        reached={"first-reminder", "final-reminder", "tell-owner", "crm-task"},
        then=_renewal),
}


def run(journeys, scenario):
    return simulate(journeys, scenario["contacts"], list(scenario["events"]), START, scenario["days"])


def test_every_template_has_a_scenario():
    assert FILES, f"no templates in {TEMPLATES}"
    assert {p.name.removesuffix(".journey.json") for p in FILES} == set(SCENARIOS)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_template_is_valid_and_canonical(path):
    journey = document.load(path)
    assert validation.validate(journey) == []
    assert journey.dumps() == path.read_text(encoding="utf-8")
    assert journey.key == path.name.removesuffix(".journey.json")
    assert journey.name and journey.description


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_node_has_a_label_and_a_position(path):
    for n in document.load(path).nodes:
        assert isinstance(n.label, str) and n.label.strip(), n.id
        assert isinstance(n.position, list) and len(n.position) == 2, n.id
        assert all(isinstance(v, (int, float)) for v in n.position), n.id


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_simulating_the_template_reaches_its_actions(path):
    journey = document.load(path)
    scenario = SCENARIOS[journey.key]
    result = run([journey], scenario)
    actions = {n.id for n in journey.nodes if n.kind.startswith("action.")}
    assert any(result.entered[(journey.key, a)] > 0 for a in actions)
    missed = {n for n in scenario["reached"] if result.entered[(journey.key, n)] == 0}
    assert not missed, f"never reached: {sorted(missed)}"
    errors = [(e.contact, e.node, e.error) for cs in result.states.values() for e in cs.enrollments
              if e.state == "error"]
    assert not errors
    scenario["then"](result)


def test_templates_refer_only_to_each_other_and_to_the_standard_connectors():
    journeys = [document.load(p) for p in FILES]
    keys = {j.key for j in journeys}
    for j in journeys:
        assert set(j.settings.suppresses) <= keys, j.key
        for n in j.nodes:
            config = n.parsed()
            if n.kind == "action.enroll":
                assert config.journey in keys, (j.key, n.id)
            if n.kind == "action.exit_journeys":
                assert config.journeys == "all" or set(config.journeys) <= keys, (j.key, n.id)
            if getattr(config, "connector", None):
                assert config.connector in CONNECTORS, (j.key, n.id)


def test_templates_together_use_most_of_the_catalogue():
    used = {n.kind for p in FILES for n in document.load(p).nodes}
    catalogue = {k.name for k in nodes.kinds()}
    assert used <= catalogue
    assert {k.category for k in nodes.kinds() if k.name in used} == {k.category for k in nodes.kinds()}
    assert len(used) >= 0.8 * len(catalogue)


def test_a_won_deal_takes_a_lead_out_of_nurture_and_into_onboarding():
    journeys = [document.load(TEMPLATES / f"{key}.journey.json") for key in ("lead-nurture", "deal-stage", "onboarding")]
    # A contact that only events bring in, so that simulate does not enroll it in onboarding at the start.
    events = [event("zed@t.test", "form_submitted", at(0, 10), form="guide"),
              event("zed@t.test", "contact_updated", at(2, 10), first_name="Zed", deal_stage="closed_won")]
    result = simulate(journeys, [], events, START, 3)
    assert enrollment(result, "zed@t.test", "lead-nurture").state == "exited"
    assert enrollment(result, "zed@t.test", "deal-stage").state == "completed"
    assert enrollment(result, "zed@t.test", "onboarding").state == "active"
    welcome = [m for m in result.messages if m.journey == "onboarding" and m.node == "welcome"]
    assert len(welcome) == 1 and welcome[0].payload["body"].startswith("Hi Zed,")
    assert result.states["zed@t.test"].fields["lifecycle_stage"] == "customer"


@pytest.mark.parametrize("key", ["deal-won-onboarding", "form-nurture"])
def test_the_crm_templates_simulate_to_messages_with_their_sample_events(key):
    from switchback.runtime.sample_events import generate, suggest
    journey = document.load(TEMPLATES / f"{key}.journey.json")
    contacts = [person(f"p{i}@t.test", f"P{i}") for i in range(20)]
    events = generate(suggest([journey], contacts), contacts, START)
    assert events
    assert len(simulate([journey], contacts, events, START, 14).messages) > 0
