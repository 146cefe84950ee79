"""The rules of a running journey, as a marketer sees them: who gets which message and when, where
each enrollment ends up, and what the trace says. Journeys run through the simulator on a virtual
clock that starts on Tuesday 2026-03-10 at 00:00 UTC; a few tests go through `switchback simulate`
exactly as users run it."""
from __future__ import annotations

import json
import subprocess
from collections import Counter
from datetime import datetime, timezone
from zoneinfo import ZoneInfo


from switchback.runtime.contacts import Event
from switchback.runtime.document import Journey, from_dict
from switchback.runtime.engine import WorkspaceRules
from switchback.runtime.settings import FrequencyCap, QuietHours
from switchback.runtime.simulation import SimulationResult, simulate
from tests.conftest import DATA, ROOT, SWITCHBACK

START = datetime(2026, 3, 10, tzinfo=timezone.utc)          # a Tuesday
RULES_DATA = DATA / "rules"


# --- building journeys, contacts and events ----------------------------------------------------

def journey(key: str, *nodes: tuple, edges: list[tuple] | None = None, **settings) -> Journey:
    """Nodes as (id, kind, config); without `edges` they are chained in the order given.
    An edge is (from, to) or (from, port, to)."""
    if edges is None:
        edges = [(a[0], b[0]) for a, b in zip(nodes, nodes[1:])]
    return from_dict({
        "format": "switchback.journey/1", "key": key, "name": key.replace("-", " ").capitalize(),
        "settings": settings,
        "nodes": [{"id": i, "kind": k, "config": c} for i, k, c in nodes],
        "edges": [{"from": e[0], "to": e[-1], **({"port": e[1]} if len(e) == 3 else {})} for e in edges],
    })


def email(node_id: str, subject: str = "Hello", body: str = "Hi") -> tuple:
    return (node_id, "action.email", {"connector": "smtp", "subject": subject, "body": body})


def sms(node_id: str, body: str = "Hi") -> tuple:
    return (node_id, "action.sms", {"connector": "twilio", "body": body})


def delay(node_id: str, duration: str) -> tuple:
    return (node_id, "wait.delay", {"duration": duration})


def on(event_type: str, where: str | None = None, node_id: str = "start") -> tuple:
    return (node_id, "trigger.event", {"event": event_type, **({"where": where} if where else {})})


MANUAL = ("all", "trigger.manual", {})


def at(text: str) -> datetime:
    """'2026-03-10 12:00' (UTC) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def event(contact: str, type: str, when: str, **properties) -> Event:
    return Event(contact, type, at(when), properties)


def updated(contact: str, when: str, **fields) -> Event:
    return event(contact, "contact_updated", when, **fields)


def run(journeys: list[Journey], contacts: list[dict], events: list[Event] = (), days: float = 3,
        rules: WorkspaceRules | None = None, seed: int = 0) -> SimulationResult:
    return simulate(journeys, contacts, list(events), START, days, seed=seed, rules=rules or WorkspaceRules(),
                    keep_timeline=True)


# --- reading the outcome ----------------------------------------------------------------------

def _hhmm(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")


def sent(result: SimulationResult, contact: str, journey: str | None = None) -> list[tuple[str, str]]:
    """(node, UTC time) of each message to the contact, in time order."""
    return [(m.node, _hhmm(m.at)) for m in sorted(result.messages, key=lambda m: m.at)
            if m.contact == contact and (journey is None or m.journey == journey)]


def states(result: SimulationResult, contact: str, journey: str) -> list[str]:
    return [e.state for e in result.states[contact].enrollments if e.journey == journey]


def only(result: SimulationResult, contact: str, journey: str):
    found = [e for e in result.states[contact].enrollments if e.journey == journey]
    assert len(found) == 1, f"{contact} has {len(found)} enrollments in {journey}"
    return found[0]


def trace(result: SimulationResult, contact: str, what: str) -> list[str]:
    return [s.detail for s in result.timeline.get(contact, []) if s.what == what]


def trace_at(result: SimulationResult, contact: str, what: str) -> list[tuple[str, str]]:
    return [(_hhmm(s.at), s.detail) for s in result.timeline.get(contact, []) if s.what == what]


# === quiet hours ================================================================================

QUIET = {"start": "20:00", "end": "08:00"}


def test_quiet_hours_hold_a_send_until_the_window_ends_in_the_contacts_own_zone():
    welcome = journey("welcome", on("signed_up"), email("hello"), quiet_hours=QUIET)
    r = run([welcome], [{"email": "tokyo@q.test", "timezone": "Asia/Tokyo"},
                        {"email": "berlin@q.test", "timezone": "Europe/Berlin"}],
            [event("tokyo@q.test", "signed_up", "2026-03-10 12:00"),       # 21:00 in Tokyo
             event("berlin@q.test", "signed_up", "2026-03-10 12:00")])     # 13:00 in Berlin
    assert sent(r, "tokyo@q.test") == [("hello", "2026-03-10 23:00")]    # 08:00 in Tokyo
    assert trace(r, "tokyo@q.test", "held") == ["held by quiet hours until 2026-03-10 23:00 UTC"]
    assert sent(r, "berlin@q.test") == [("hello", "2026-03-10 12:00")]
    assert trace(r, "berlin@q.test", "held") == []


def test_a_send_due_exactly_when_quiet_hours_end_goes_out_at_once():
    welcome = journey("welcome", on("signed_up"), email("hello"), quiet_hours=QUIET)
    r = run([welcome], [{"email": "ny@q.test", "timezone": "America/New_York"},
                        {"email": "early@q.test", "timezone": "America/New_York"}],
            [event("ny@q.test", "signed_up", "2026-03-10 12:00"),         # 08:00 in New York (EDT)
             event("early@q.test", "signed_up", "2026-03-10 11:59")])     # 07:59: one minute to wait
    assert sent(r, "ny@q.test") == [("hello", "2026-03-10 12:00")]
    assert trace(r, "ny@q.test", "held") == []
    assert sent(r, "early@q.test") == [("hello", "2026-03-10 12:00")]
    assert trace(r, "early@q.test", "held") == ["held by quiet hours until 2026-03-10 12:00 UTC"]


def test_workspace_quiet_hours_apply_in_the_workspace_zone_when_the_journey_sets_none():
    welcome = journey("welcome", on("signed_up"), email("hello"))
    rules = WorkspaceRules(timezone=ZoneInfo("Europe/Berlin"), quiet_hours=QuietHours(start="22:00", end="07:00"))
    r = run([welcome], [{"email": "nozone@q.test"}, {"email": "la@q.test", "timezone": "America/Los_Angeles"}],
            [event("nozone@q.test", "signed_up", "2026-03-10 21:30"),     # 22:30 in Berlin
             event("la@q.test", "signed_up", "2026-03-10 21:30")],        # 14:30 in Los Angeles
            rules=rules)
    assert sent(r, "nozone@q.test") == [("hello", "2026-03-11 06:00")]   # 07:00 in Berlin
    assert sent(r, "la@q.test") == [("hello", "2026-03-10 21:30")]


def test_a_journeys_own_quiet_hours_win_over_the_workspaces():
    welcome = journey("welcome", on("signed_up"), email("hello"), quiet_hours={"start": "12:00", "end": "13:00"})
    rules = WorkspaceRules(quiet_hours=QuietHours(start="20:00", end="08:00"))
    r = run([welcome], [{"email": "a@q.test"}, {"email": "b@q.test"}],
            [event("a@q.test", "signed_up", "2026-03-10 12:30"),
             event("b@q.test", "signed_up", "2026-03-10 22:00")], rules=rules)
    assert sent(r, "a@q.test") == [("hello", "2026-03-10 13:00")]
    assert sent(r, "b@q.test") == [("hello", "2026-03-10 22:00")]


def test_quiet_hours_end_at_local_morning_on_the_night_the_clocks_go_forward():
    welcome = journey("welcome", on("signed_up"), email("hello"), quiet_hours=QUIET)
    r = run([welcome], [{"email": "berlin@q.test", "timezone": "Europe/Berlin"}],
            [event("berlin@q.test", "signed_up", "2026-03-28 20:00")], days=30)   # 21:00 CET, Saturday
    assert sent(r, "berlin@q.test") == [("hello", "2026-03-29 06:00")]          # 08:00 CEST, Sunday


def test_quiet_hours_follow_a_time_zone_that_a_contact_update_changed():
    welcome = journey("welcome", on("signed_up"), email("hello"), quiet_hours=QUIET)
    r = run([welcome], [{"email": "mover@q.test", "timezone": "Europe/London"}],
            [updated("mover@q.test", "2026-03-10 01:00", timezone="Asia/Tokyo"),
             event("mover@q.test", "signed_up", "2026-03-10 12:00")])     # 12:00 in London, 21:00 in Tokyo
    assert sent(r, "mover@q.test") == [("hello", "2026-03-10 23:00")]


# === frequency caps =============================================================================

def _drip(key: str, n: int, gap: str, **settings) -> Journey:
    """A manual journey of n emails, `gap` apart."""
    steps: list[tuple] = []
    for i in range(1, n + 1):
        steps.append(email(f"e{i}", f"Message {i}"))
        if i < n:
            steps.append(delay(f"d{i}", gap))
    return journey(key, MANUAL, *steps, **settings)


def test_a_journeys_frequency_cap_holds_the_extra_message_until_the_rolling_window_allows_it():
    drip = _drip("drip", 4, "1h", frequency_cap={"messages": 2, "per": "1d"})
    r = run([drip], [{"email": "a@f.test"}])
    assert sent(r, "a@f.test") == [("e1", "2026-03-10 00:00"), ("e2", "2026-03-10 01:00"),
                                   ("e3", "2026-03-11 00:00"), ("e4", "2026-03-11 01:00")]
    assert trace(r, "a@f.test", "held") == ["held by this journey's frequency cap until 2026-03-11 00:00 UTC"]
    assert only(r, "a@f.test", "drip").state == "completed"


def test_a_journeys_frequency_cap_counts_only_that_journeys_messages():
    capped = {"frequency_cap": {"messages": 1, "per": "1d"}}
    r = run([_drip("one", 2, "1h", **capped), _drip("two", 2, "1h", **capped)], [{"email": "a@f.test"}])
    assert sent(r, "a@f.test", "one") == [("e1", "2026-03-10 00:00"), ("e2", "2026-03-11 00:00")]
    assert sent(r, "a@f.test", "two") == [("e1", "2026-03-10 00:00"), ("e2", "2026-03-11 00:00")]


def test_the_workspace_frequency_cap_counts_messages_across_journeys():
    morning = journey("morning", MANUAL, email("hi"))
    later = journey("later", MANUAL, delay("wait", "6h"), email("hi"))
    rules = WorkspaceRules(frequency_cap=FrequencyCap(messages=1, per="1d"))
    r = run([morning, later], [{"email": "a@f.test"}], rules=rules)
    assert sent(r, "a@f.test") == [("hi", "2026-03-10 00:00"), ("hi", "2026-03-11 00:00")]
    assert sent(r, "a@f.test", "later") == [("hi", "2026-03-11 00:00")]
    assert trace(r, "a@f.test", "held") == ["held by the workspace's frequency cap until 2026-03-11 00:00 UTC"]


def test_sends_held_by_the_workspace_cap_go_out_one_window_apart_not_all_at_once():
    a = journey("a", MANUAL, email("a1"), delay("d", "1h"), email("a2"))
    b = journey("b", MANUAL, delay("d", "2h"), email("b1"))
    rules = WorkspaceRules(frequency_cap=FrequencyCap(messages=1, per="1d"))
    r = run([a, b], [{"email": "a@f.test"}], rules=rules, days=4)
    assert [when for _, when in sent(r, "a@f.test")] == ["2026-03-10 00:00", "2026-03-11 00:00", "2026-03-12 00:00"]
    assert states(r, "a@f.test", "a") == ["completed"] and states(r, "a@f.test", "b") == ["completed"]


def test_webhooks_and_notifications_are_neither_counted_nor_held_by_a_cap():
    mixed = journey("mixed", MANUAL, email("first"),
                    ("hook", "action.webhook", {"url": "https://crm.example/hook", "body": '{"id": "{{ contact.email }}"}'}),
                    ("tell", "action.notify", {"to": "sales@example.com", "connector": "slack", "subject": "Lead", "body": "x"}),
                    email("second"),
                    frequency_cap={"messages": 1, "per": "1d"})
    r = run([mixed], [{"email": "a@f.test"}])
    assert sent(r, "a@f.test") == [("first", "2026-03-10 00:00"), ("hook", "2026-03-10 00:00"),
                                   ("tell", "2026-03-10 00:00"), ("second", "2026-03-11 00:00")]


def test_sms_counts_toward_the_cap_like_email():
    both = journey("both", MANUAL, email("mail"), sms("text"), frequency_cap={"messages": 1, "per": "12h"})
    r = run([both], [{"email": "a@f.test", "phone": "+15550100"}])
    assert sent(r, "a@f.test") == [("mail", "2026-03-10 00:00"), ("text", "2026-03-10 12:00")]


def test_a_capped_send_whose_release_falls_in_quiet_hours_waits_for_the_morning():
    pair = journey("pair", on("signed_up"), email("e1"), delay("d", "10m"), email("e2"),
                   frequency_cap={"messages": 1, "per": "2h"}, quiet_hours=QUIET)
    r = run([pair], [{"email": "a@f.test"}], [event("a@f.test", "signed_up", "2026-03-10 19:00")])
    assert sent(r, "a@f.test") == [("e1", "2026-03-10 19:00"), ("e2", "2026-03-11 08:00")]
    assert trace(r, "a@f.test", "held") == ["held by quiet hours until 2026-03-11 08:00 UTC"]


# === consent and addresses =====================================================================

def test_an_unsubscribed_contact_gets_no_email_but_goes_on_down_the_path():
    series = journey("series", MANUAL, email("mail"), sms("text"),
                     ("mark", "action.update", {"set": {"reached": "yes"}}))
    r = run([series], [{"email": "u@c.test", "phone": "+15550100", "consent_email": "unsubscribed"}])
    assert sent(r, "u@c.test") == [("text", "2026-03-10 00:00")]
    assert trace(r, "u@c.test", "skipped") == ["not sent: unsubscribed from email"]
    e = only(r, "u@c.test", "series")
    assert e.state == "completed" and r.states["u@c.test"].fields["reached"] == "yes"


def test_only_unsubscribed_blocks_a_channel_and_a_skipped_send_is_not_held_by_quiet_hours():
    night = journey("night", on("signed_up"), email("mail"), ("mark", "action.update", {"set": {"reached": "yes"}}),
                    quiet_hours=QUIET)
    contacts = [{"email": f"{c}@c.test", "consent_email": c} for c in ("subscribed", "unknown", "unsubscribed")]
    r = run([night], contacts + [{"email": "blank@c.test"}],
            [event(c["email"], "signed_up", "2026-03-10 22:00") for c in contacts]
            + [event("blank@c.test", "signed_up", "2026-03-10 22:00")])
    for c in ("subscribed", "unknown", "blank"):
        assert sent(r, f"{c}@c.test") == [("mail", "2026-03-11 08:00")]
    assert sent(r, "unsubscribed@c.test") == []
    assert trace_at(r, "unsubscribed@c.test", "skipped") == [("2026-03-10 22:00", "not sent: unsubscribed from email")]
    assert r.states["unsubscribed@c.test"].fields["reached"] == "yes"


def test_a_send_held_overnight_is_not_sent_if_the_contact_unsubscribes_before_morning():
    night = journey("night", on("signed_up"), email("mail"), quiet_hours=QUIET)
    r = run([night], [{"email": "a@c.test"}], [event("a@c.test", "signed_up", "2026-03-10 22:00"),
                                                updated("a@c.test", "2026-03-11 02:00", consent_email="unsubscribed")])
    assert sent(r, "a@c.test") == []
    assert trace_at(r, "a@c.test", "skipped") == [("2026-03-11 08:00", "not sent: unsubscribed from email")]


def test_unsubscribing_through_a_contact_update_stops_later_sends_in_every_journey_at_once():
    a = journey("a", MANUAL, email("first"), delay("d", "1d"), email("second"))
    b = journey("b", MANUAL, delay("d", "2d"), email("later"), sms("text"))
    r = run([a, b], [{"email": "u@c.test", "phone": "+15550100", "consent_email": "subscribed"}],
            [updated("u@c.test", "2026-03-10 12:00", consent_email="unsubscribed")])
    assert sent(r, "u@c.test") == [("first", "2026-03-10 00:00"), ("text", "2026-03-12 00:00")]
    assert trace_at(r, "u@c.test", "skipped") == [("2026-03-11 00:00", "not sent: unsubscribed from email"),
                                                  ("2026-03-12 00:00", "not sent: unsubscribed from email")]
    assert states(r, "u@c.test", "a") == ["completed"] and states(r, "u@c.test", "b") == ["completed"]


def test_sms_consent_is_separate_from_email_consent():
    both = journey("both", MANUAL, email("mail"), sms("text"))
    r = run([both], [{"email": "s@c.test", "phone": "+15550100", "consent_sms": "unsubscribed"}])
    assert sent(r, "s@c.test") == [("mail", "2026-03-10 00:00")]
    assert trace(r, "s@c.test", "skipped") == ["not sent: unsubscribed from sms"]


def test_email_goes_to_the_address_and_sms_to_the_phone_and_no_phone_skips_the_sms():
    both = journey("both", MANUAL, email("mail", "Hi {{ contact.first_name }}"), sms("text", "Hey {{ contact.first_name }}"))
    r = run([both], [{"email": "Pat@C.test", "first_name": "Pat", "phone": "+15550100"},
                     {"email": "nophone@c.test", "first_name": "Nia"}])
    to = {(m.contact, m.node): (m.to, m.payload) for m in r.messages}
    assert to[("pat@c.test", "mail")] == ("Pat@C.test", {"subject": "Hi Pat", "body": "Hi"})
    assert to[("pat@c.test", "text")] == ("+15550100", {"body": "Hey Pat"})
    assert sent(r, "nophone@c.test") == [("mail", "2026-03-10 00:00")]
    assert trace(r, "nophone@c.test", "skipped") == ["not sent: the contact has no phone"]
    assert only(r, "nophone@c.test", "both").state == "completed"


# === exit_when and goal =========================================================================

NURTURE = [MANUAL, email("hello"), delay("d", "2d"), email("follow_up")]


def test_exit_when_takes_a_waiting_contact_out_when_a_contact_update_makes_it_true():
    nurture = journey("nurture", *NURTURE, exit_when="contact.lifecycle_stage == 'customer'")
    r = run([nurture], [{"email": "buyer@g.test", "lifecycle_stage": "lead"}, {"email": "lead@g.test", "lifecycle_stage": "lead"}],
            [updated("buyer@g.test", "2026-03-11 09:00", lifecycle_stage="customer")])
    assert sent(r, "buyer@g.test") == [("hello", "2026-03-10 00:00")]
    e = only(r, "buyer@g.test", "nurture")
    assert (e.state, e.node, _hhmm(e.ended_at)) == ("exited", "d", "2026-03-11 09:00")
    assert trace(r, "buyer@g.test", "exited") == ["left: exit_when became true"]
    assert sent(r, "lead@g.test") == [("hello", "2026-03-10 00:00"), ("follow_up", "2026-03-12 00:00")]
    assert only(r, "lead@g.test", "nurture").state == "completed"


def test_a_contact_that_leaves_while_a_send_is_held_never_gets_it():
    night = journey("night", on("signed_up"), email("mail"), quiet_hours=QUIET,
                    exit_when="contact.lifecycle_stage == 'customer'")
    r = run([night], [{"email": "a@g.test"}], [event("a@g.test", "signed_up", "2026-03-10 22:00"),
                                                updated("a@g.test", "2026-03-11 02:00", lifecycle_stage="customer")])
    assert sent(r, "a@g.test") == []
    e = only(r, "a@g.test", "night")
    assert (e.state, _hhmm(e.ended_at)) == ("exited", "2026-03-11 02:00")


def test_a_goal_reached_through_a_contact_update_converts_the_contact_at_once():
    nurture = journey("nurture", *NURTURE, goal="contact.score >= 75")
    r = run([nurture], [{"email": "hot@g.test"}], [updated("hot@g.test", "2026-03-11 09:00", score=80)])
    e = only(r, "hot@g.test", "nurture")
    assert (e.state, _hhmm(e.ended_at)) == ("converted", "2026-03-11 09:00")
    assert sent(r, "hot@g.test") == [("hello", "2026-03-10 00:00")]


def test_the_goal_is_checked_before_exit_when():
    nurture = journey("nurture", *NURTURE, goal="contact.score >= 75", exit_when="contact.lifecycle_stage == 'customer'")
    r = run([nurture], [{"email": "both@g.test"}],
            [updated("both@g.test", "2026-03-11 09:00", score=90, lifecycle_stage="customer")])
    assert only(r, "both@g.test", "nurture").state == "converted"
    assert trace(r, "both@g.test", "exited") == []


def test_exit_when_is_checked_before_every_step_including_the_first():
    nurture = journey("nurture", *NURTURE, exit_when="contact.lifecycle_stage == 'customer'")
    r = run([nurture], [{"email": "already@g.test", "lifecycle_stage": "customer"}])
    assert sent(r, "already@g.test") == []
    assert only(r, "already@g.test", "nurture").state == "exited"


def test_a_change_made_by_the_journey_itself_can_end_it_before_the_next_step():
    onboarding = journey("onboarding", MANUAL, email("hello"),
                         ("upgrade", "action.update", {"set": {"lifecycle_stage": "customer"}}),
                         email("never_sent"), exit_when="contact.lifecycle_stage == 'customer'")
    r = run([onboarding], [{"email": "a@g.test"}])
    assert sent(r, "a@g.test") == [("hello", "2026-03-10 00:00")]
    assert only(r, "a@g.test", "onboarding").state == "exited"


def test_a_score_added_by_another_journey_converts_a_contact_waiting_elsewhere():
    nurture = journey("nurture", *NURTURE, goal="contact.score >= 50")
    scoring = journey("scoring", on("demo_requested"), ("points", "action.score", {"add": 50, "reason": "demo"}))
    r = run([nurture, scoring], [{"email": "a@g.test", "score": 10}], [event("a@g.test", "demo_requested", "2026-03-10 15:00")])
    e = only(r, "a@g.test", "nurture")
    assert (e.state, _hhmm(e.ended_at)) == ("converted", "2026-03-10 15:00")
    assert r.states["a@g.test"].fields["score"] == 60
    assert sent(r, "a@g.test") == [("hello", "2026-03-10 00:00")]


# === re-entry ===================================================================================

def _visit(reentry: str) -> Journey:
    return journey(f"pricing-{reentry.replace(':', '-')}", on("page_view", "event.properties.url == '/pricing'"),
                   email("offer"), reentry=reentry)


PRICING_VISITS = [event("v@r.test", "page_view", "2026-03-10 10:00", url="/pricing"),
                  event("v@r.test", "page_view", "2026-03-11 10:00", url="/pricing"),
                  event("v@r.test", "page_view", "2026-03-12 09:00", url="/blog"),
                  event("v@r.test", "page_view", "2026-03-12 10:00", url="/pricing"),
                  event("v@r.test", "page_view", "2026-03-12 12:00", url="/pricing")]


def test_reentry_never_enrolls_a_contact_once():
    r = run([_visit("never")], [{"email": "v@r.test"}], PRICING_VISITS)
    assert sent(r, "v@r.test") == [("offer", "2026-03-10 10:00")]
    assert states(r, "v@r.test", "pricing-never") == ["completed"]


def test_reentry_always_enrolls_on_every_qualifying_event():
    r = run([_visit("always")], [{"email": "v@r.test"}], PRICING_VISITS)
    assert sent(r, "v@r.test") == [("offer", "2026-03-10 10:00"), ("offer", "2026-03-11 10:00"),
                                   ("offer", "2026-03-12 10:00"), ("offer", "2026-03-12 12:00")]
    assert states(r, "v@r.test", "pricing-always") == ["completed"] * 4


def test_reentry_after_a_delay_counts_from_the_previous_entry():
    r = run([_visit("after:2d")], [{"email": "v@r.test"}], PRICING_VISITS)
    # 11th: one day after the first entry, too soon; 12th 10:00: exactly two days after; 12:00: too soon again.
    assert sent(r, "v@r.test") == [("offer", "2026-03-10 10:00"), ("offer", "2026-03-12 10:00")]


def test_a_contact_is_in_a_journey_at_most_once_at_a_time_even_with_reentry_always():
    slow = journey("slow", on("page_view"), email("hello"), delay("d", "2d"), email("bye"), reentry="always")
    r = run([slow], [{"email": "v@r.test"}],
            [event("v@r.test", "page_view", "2026-03-10 10:00"), event("v@r.test", "page_view", "2026-03-11 10:00"),
             event("v@r.test", "page_view", "2026-03-12 11:00")], days=5)
    assert sent(r, "v@r.test") == [("hello", "2026-03-10 10:00"), ("bye", "2026-03-12 10:00"),
                                   ("hello", "2026-03-12 11:00"), ("bye", "2026-03-14 11:00")]
    assert states(r, "v@r.test", "slow") == ["completed", "completed"]


# === priority and suppression ===================================================================

def test_the_higher_priority_journey_enters_first_and_keeps_the_contact_out_of_those_it_suppresses():
    sales = journey("sales-touch", on("demo_requested"), email("call"), priority=10, suppresses=["nurture"])
    nurture = journey("nurture", on("demo_requested"), email("ebook"), priority=1)
    r = run([nurture, sales], [{"email": "a@p.test"}], [event("a@p.test", "demo_requested", "2026-03-10 10:00")])
    assert sent(r, "a@p.test") == [("call", "2026-03-10 10:00")]
    assert states(r, "a@p.test", "nurture") == []
    assert trace(r, "a@p.test", "skipped") == ["not entered nurture: suppressed by sales-touch"]


def test_at_the_start_a_higher_priority_manual_journey_keeps_the_contact_out_of_a_segment_journey_it_suppresses():
    segment = journey("germany", ("de", "trigger.segment", {"when": "contact.country == 'DE'"}), email("hallo"), priority=1)
    manual = journey("launch", MANUAL, email("launch"), delay("d", "1d"), priority=5, suppresses=["germany"])
    r = run([segment, manual], [{"email": "a@p.test", "country": "DE"}])
    assert sent(r, "a@p.test") == [("launch", "2026-03-10 00:00")]


def test_when_both_qualify_the_higher_priority_journey_runs_first():
    low = journey("a-newsletter", on("signed_up"), email("news"), priority=1)
    high = journey("z-sales", on("signed_up"), email("call"), priority=9)
    r = run([low, high], [{"email": "a@p.test"}], [event("a@p.test", "signed_up", "2026-03-10 10:00")])
    assert [m.journey for m in r.messages] == ["z-sales", "a-newsletter"]
    assert [s.journey for s in r.timeline["a@p.test"] if s.what == "entered" and s.node == "start"] == [
        "z-sales", "a-newsletter"]


def test_entering_a_journey_takes_the_contact_out_of_the_journeys_it_suppresses():
    nurture = journey("nurture", MANUAL, email("ebook"), delay("d", "2d"), email("follow_up"))
    sales = journey("sales-touch", on("demo_requested"), email("call"), suppresses=["nurture"])
    r = run([nurture, sales], [{"email": "a@p.test"}], [event("a@p.test", "demo_requested", "2026-03-11 10:00")])
    assert sent(r, "a@p.test") == [("ebook", "2026-03-10 00:00"), ("call", "2026-03-11 10:00")]
    e = only(r, "a@p.test", "nurture")
    assert (e.state, _hhmm(e.ended_at)) == ("exited", "2026-03-11 10:00")
    assert trace(r, "a@p.test", "exited") == ["left: suppressed by sales-touch"]


def test_a_contact_in_a_suppressing_journey_is_not_entered_into_the_suppressed_one_until_it_leaves():
    sales = journey("sales-touch", on("demo_requested"), email("call"), delay("d", "1d"), email("recap"),
                    suppresses=["nurture"])
    nurture = journey("nurture", on("ebook_downloaded"), email("ebook"))
    r = run([sales, nurture], [{"email": "a@p.test"}],
            [event("a@p.test", "demo_requested", "2026-03-10 10:00"),
             event("a@p.test", "ebook_downloaded", "2026-03-10 12:00"),      # still in sales-touch
             event("a@p.test", "ebook_downloaded", "2026-03-11 12:00")])     # sales-touch ended at 10:00
    assert sent(r, "a@p.test", "nurture") == [("ebook", "2026-03-11 12:00")]
    assert trace_at(r, "a@p.test", "skipped") == [("2026-03-10 12:00", "not entered nurture: suppressed by sales-touch")]


# === waits ======================================================================================

CLICK_OR_NUDGE = journey("click-or-nudge", MANUAL, email("hello"),
                         ("click", "wait.event", {"event": "email_clicked", "timeout": "2d",
                                                  "where": "event.properties.link != 'unsubscribe'"}),
                         ("engaged", "action.update", {"set": {"engaged": "yes"}}), email("nudge"),
                         edges=[("all", "hello"), ("hello", "click"), ("click", "event", "engaged"),
                                ("click", "timeout", "nudge")])


def test_wait_event_takes_the_event_port_for_a_matching_event_strictly_before_the_timeout():
    r = run([CLICK_OR_NUDGE], [{"email": "late@w.test"}, {"email": "just@w.test"}, {"email": "other@w.test"}],
            [event("just@w.test", "email_clicked", "2026-03-11 23:59", link="guide"),
             event("late@w.test", "email_clicked", "2026-03-12 00:00", link="guide"),     # the moment it times out
             event("other@w.test", "email_clicked", "2026-03-10 06:00", link="unsubscribe")])
    assert sent(r, "just@w.test") == [("hello", "2026-03-10 00:00")]
    assert r.states["just@w.test"].fields["engaged"] == "yes"
    assert trace_at(r, "just@w.test", "left") == [("2026-03-11 23:59", "email_clicked came")]
    for contact in ("late@w.test", "other@w.test"):
        assert sent(r, contact) == [("hello", "2026-03-10 00:00"), ("nudge", "2026-03-12 00:00")]
        assert "engaged" not in r.states[contact].fields
        assert trace_at(r, contact, "left") == [("2026-03-12 00:00", "timeout")]


def test_a_wait_for_an_event_whose_condition_fails_parks_that_contact_and_nothing_else_stops():
    picky = journey("picky", MANUAL, ("click", "wait.event", {"event": "email_clicked", "timeout": "2d",
                                                               "where": "event.properties.link.upper() == 'GUIDE'"}),
                    email("thanks"), email("nudge"),
                    edges=[("all", "click"), ("click", "event", "thanks"), ("click", "timeout", "nudge")])
    r = run([picky], [{"email": "bad@w.test"}, {"email": "good@w.test"}, {"email": "idle@w.test"}],
            [event("bad@w.test", "email_clicked", "2026-03-10 06:00"),                  # no link property
             event("good@w.test", "email_clicked", "2026-03-10 07:00", link="guide")])
    e = only(r, "bad@w.test", "picky")
    assert (e.state, e.node, _hhmm(e.ended_at)) == ("error", "click", "2026-03-10 06:00")
    assert "link" in e.error and trace(r, "bad@w.test", "error") == [e.error]
    assert sent(r, "bad@w.test") == []
    assert sent(r, "good@w.test") == [("thanks", "2026-03-10 07:00")]
    assert sent(r, "idle@w.test") == [("nudge", "2026-03-12 00:00")]


def test_wait_until_a_date_field_with_offset_and_time_is_local_time_across_daylight_saving():
    eve = journey("renewal-eve", MANUAL,
                  ("eve", "wait.until", {"field": "renewal_date", "offset": "-1d", "time": "09:00"}), email("remind"))
    r = run([eve], [{"email": "before@d.test", "timezone": "Europe/Berlin", "renewal_date": "2026-03-28"},
                    {"email": "after@d.test", "timezone": "Europe/Berlin", "renewal_date": "2026-03-30"},
                    {"email": "utc@d.test", "renewal_date": "2026-03-30"}], days=30)
    assert sent(r, "before@d.test") == [("remind", "2026-03-27 08:00")]   # 09:00 CET
    assert sent(r, "after@d.test") == [("remind", "2026-03-29 07:00")]    # 09:00 CEST, the day clocks go forward
    assert sent(r, "utc@d.test") == [("remind", "2026-03-29 09:00")]


def test_wait_until_a_time_of_day_on_given_weekdays_waits_for_the_next_such_day_in_the_contacts_zone():
    weekly = journey("weekly", MANUAL, ("monday", "wait.until", {"time": "09:00", "weekdays": ["mon", "thu"]}),
                     email("digest"))
    r = run([weekly], [{"email": "utc@d.test"}, {"email": "tokyo@d.test", "timezone": "Asia/Tokyo"},
                       {"email": "ny@d.test", "timezone": "America/New_York"}], days=7)
    assert sent(r, "utc@d.test") == [("digest", "2026-03-12 09:00")]      # Thursday 09:00
    assert sent(r, "tokyo@d.test") == [("digest", "2026-03-12 00:00")]    # Thursday 09:00 in Tokyo
    assert sent(r, "ny@d.test") == [("digest", "2026-03-12 13:00")]       # Thursday 09:00 EDT


def test_wait_until_a_time_already_passed_today_waits_for_tomorrow_and_the_exact_time_goes_now():
    nine = journey("nine", on("signed_up"), ("nine", "wait.until", {"time": "09:00"}), email("hello"), reentry="always")
    r = run([nine], [{"email": "a@d.test"}, {"email": "b@d.test"}],
            [event("a@d.test", "signed_up", "2026-03-10 09:01"), event("b@d.test", "signed_up", "2026-03-10 09:00")])
    assert sent(r, "a@d.test") == [("hello", "2026-03-11 09:00")]
    assert sent(r, "b@d.test") == [("hello", "2026-03-10 09:00")]


def test_a_wall_time_skipped_by_spring_forward_lands_just_after_the_gap():
    # Paris jumps from 02:00 to 03:00 on Sunday 29 March: 02:30 does not exist that day.
    early = journey("early", MANUAL, ("at", "wait.until", {"at": "2026-03-29T02:30:00"}), email("hello"))
    r = run([early], [{"email": "p@d.test", "timezone": "Europe/Paris"}], days=30)
    assert sent(r, "p@d.test") == [("hello", "2026-03-29 01:30")]        # 03:30 CEST, not 01:30 CET


def test_quiet_hours_ending_inside_the_spring_forward_gap_never_let_a_send_out_early():
    night = journey("night", on("signed_up"), email("hello"), quiet_hours={"start": "00:00", "end": "02:30"})
    r = run([night], [{"email": "p@d.test", "timezone": "Europe/Paris"}],
            [event("p@d.test", "signed_up", "2026-03-29 00:45")], days=30)   # 01:45 CET, inside the window
    [(_, when)] = sent(r, "p@d.test")
    assert at(when) > at("2026-03-29 01:00")                                 # after 03:00 CEST


def test_wait_until_a_date_and_time_field_with_an_offset_keeps_the_time_of_day():
    # CSV files and contact_updated events bring a moment as ISO text; without a zone it is the contact's.
    webinar = journey("webinar", MANUAL, ("hour_before", "wait.until", {"field": "webinar_at", "offset": "-1h"}),
                      email("starting_soon"))
    r = run([webinar], [{"email": "utc@d.test", "webinar_at": "2026-03-12T15:00:00Z"},
                        {"email": "ny@d.test", "timezone": "America/New_York", "webinar_at": "2026-03-12T11:00:00"},
                        {"email": "paris@d.test", "webinar_at": "2026-03-12T16:00:00+01:00"}], days=5)
    assert sent(r, "utc@d.test") == [("starting_soon", "2026-03-12 14:00")]
    assert sent(r, "ny@d.test") == [("starting_soon", "2026-03-12 14:00")]      # 10:00 EDT
    assert sent(r, "paris@d.test") == [("starting_soon", "2026-03-12 14:00")]


def test_a_wait_until_on_a_missing_date_field_parks_the_contact_with_the_reason():
    eve = journey("renewal-eve", MANUAL, ("eve", "wait.until", {"field": "renewal_date", "time": "09:00"}), email("remind"))
    r = run([eve], [{"email": "nodate@d.test"}])
    e = only(r, "nodate@d.test", "renewal-eve")
    assert (e.state, e.node, e.error) == ("error", "eve", "the contact has no date in renewal_date")


# === triggers ===================================================================================

def test_an_event_trigger_enters_only_when_its_where_matches_the_events_properties():
    ebook = journey("ebook", on("form_submitted", "event.properties.form == 'ebook'"), email("guide"))
    r = run([ebook], [{"email": "a@t.test"}, {"email": "b@t.test"}],
            [event("a@t.test", "form_submitted", "2026-03-10 10:00", form="webinar"),
             event("b@t.test", "form_submitted", "2026-03-10 11:00", form="ebook")])
    assert sent(r, "a@t.test") == [] and states(r, "a@t.test", "ebook") == []
    assert sent(r, "b@t.test") == [("guide", "2026-03-10 11:00")]


def test_a_segment_trigger_enters_at_the_start_and_when_a_contact_update_makes_the_condition_true():
    germany = journey("germany", ("de", "trigger.segment", {"when": "contact.country == 'DE'"}), email("hallo"))
    r = run([germany], [{"email": "de@t.test", "country": "DE"}, {"email": "fr@t.test", "country": "FR"},
                        {"email": "mover@t.test", "country": "FR"}],
            [updated("mover@t.test", "2026-03-11 09:00", country="DE"),
             updated("de@t.test", "2026-03-11 09:00", city="Köln")])          # already in the segment
    assert sent(r, "de@t.test") == [("hallo", "2026-03-10 00:00")]
    assert sent(r, "fr@t.test") == []
    assert sent(r, "mover@t.test") == [("hallo", "2026-03-11 09:00")]


def test_a_field_changed_trigger_fires_only_for_the_values_it_names():
    won = journey("won", ("stage", "trigger.field_changed", {"field": "lifecycle_stage", "from": "opportunity", "to": "customer"}),
                  email("thanks"))
    any_change = journey("any-change", ("owner", "trigger.field_changed", {"field": "owner"}), email("intro"))
    r = run([won, any_change],
            [{"email": "opp@t.test", "lifecycle_stage": "opportunity"}, {"email": "lead@t.test", "lifecycle_stage": "lead"}],
            [updated("opp@t.test", "2026-03-10 10:00", lifecycle_stage="customer"),
             updated("lead@t.test", "2026-03-10 10:00", lifecycle_stage="customer", owner="kim"),
             updated("opp@t.test", "2026-03-10 11:00", owner=None)])             # no owner before or after
    assert sent(r, "opp@t.test") == [("thanks", "2026-03-10 10:00")]
    assert sent(r, "lead@t.test") == [("intro", "2026-03-10 10:00")]


def test_a_score_trigger_fires_when_the_score_crosses_the_threshold_upward():
    hot = journey("hot-lead", ("hot", "trigger.score", {"threshold": 50}), email("call_me"), reentry="always")
    points = journey("points", on("page_view"), ("add", "action.score", {"add": 20}), reentry="always")
    r = run([hot, points], [{"email": "climber@t.test", "score": 20}, {"email": "crm@t.test", "score": 40},
                            {"email": "above@t.test", "score": 60}],
            [event("climber@t.test", "page_view", "2026-03-10 10:00"),   # 40
             event("climber@t.test", "page_view", "2026-03-10 11:00"),   # 60: crosses
             event("climber@t.test", "page_view", "2026-03-10 12:00"),   # 80: already past
             updated("crm@t.test", "2026-03-10 10:00", score=55),
             event("above@t.test", "page_view", "2026-03-10 10:00")])    # 60 -> 80
    assert sent(r, "climber@t.test", "hot-lead") == [("call_me", "2026-03-10 11:00")]
    assert sent(r, "crm@t.test", "hot-lead") == [("call_me", "2026-03-10 10:00")]
    assert sent(r, "above@t.test") == []


def test_a_date_trigger_fires_on_the_field_date_plus_offset_at_nine_in_the_contacts_zone_by_default():
    renewal = journey("renewal", ("week_before", "trigger.date", {"field": "renewal_date", "offset": "-7d"}), email("soon"))
    birthday = journey("birthday", ("day", "trigger.date", {"field": "birthday", "at": "07:30"}), email("cake"))
    r = run([renewal, birthday],
            [{"email": "ny@t.test", "timezone": "America/New_York", "renewal_date": "2026-03-19", "birthday": "2026-03-12"},
             {"email": "utc@t.test", "renewal_date": "2026-03-19"}, {"email": "none@t.test"},
             {"email": "past@t.test", "renewal_date": "2026-03-01"}], days=10)
    assert sent(r, "ny@t.test") == [("cake", "2026-03-12 11:30"), ("soon", "2026-03-12 13:00")]
    assert sent(r, "utc@t.test") == [("soon", "2026-03-12 09:00")]
    assert sent(r, "none@t.test") == [] and sent(r, "past@t.test") == []


def test_a_date_trigger_follows_a_date_that_a_contact_update_moved():
    renewal = journey("renewal", ("eve", "trigger.date", {"field": "renewal_date", "offset": "-1d"}), email("soon"))
    r = run([renewal], [{"email": "a@t.test", "renewal_date": "2026-03-12"}],
            [updated("a@t.test", "2026-03-10 12:00", renewal_date="2026-03-14")], days=10)
    assert sent(r, "a@t.test") == [("soon", "2026-03-13 09:00")]


def test_an_inactive_trigger_counts_from_the_start_or_from_the_last_event():
    winback = journey("winback", ("quiet", "trigger.inactive", {"days": 3}), email("miss_you"))
    r = run([winback], [{"email": "idle@t.test"}, {"email": "busy@t.test"}, {"email": "back@t.test"}],
            [event("busy@t.test", "page_view", "2026-03-11 10:00"),
             event("busy@t.test", "page_view", "2026-03-13 10:00"),
             event("back@t.test", "page_view", "2026-03-12 15:00")], days=7)
    assert sent(r, "idle@t.test") == [("miss_you", "2026-03-13 00:00")]      # three days after the start
    assert sent(r, "back@t.test") == [("miss_you", "2026-03-15 15:00")]      # three days after its one event
    assert sent(r, "busy@t.test") == [("miss_you", "2026-03-16 10:00")]      # the 13th's event reset the count


def test_a_manual_journey_enrolls_every_contact_at_the_start_of_a_simulation():
    welcome = journey("welcome", MANUAL, email("hello"))
    r = run([welcome], [{"email": f"c{i}@t.test"} for i in range(5)])
    assert sorted(m.contact for m in r.messages) == [f"c{i}@t.test" for i in range(5)]
    assert {m.at for m in r.messages} == {START}


# === branches ===================================================================================

AB = journey("ab", MANUAL, ("split", "branch.split", {"variants": [{"port": "a", "weight": 70}, {"port": "b", "weight": 30}]}),
             email("subject_a"), email("subject_b"),
             edges=[("all", "split"), ("split", "a", "subject_a"), ("split", "b", "subject_b")])


def test_an_ab_split_gives_each_contact_the_same_variant_every_time_and_follows_the_weights():
    contacts = [{"email": f"c{i}@b.test"} for i in range(1000)]
    first = run([AB], contacts, days=1)
    again = run([AB], contacts, days=1)
    variant = lambda r: {m.contact: m.node for m in r.messages}
    assert variant(first) == variant(again)
    shares = Counter(variant(first).values())
    assert sum(shares.values()) == 1000
    assert 650 <= shares["subject_a"] <= 750 and 250 <= shares["subject_b"] <= 350
    reseeded = run([AB], contacts, days=1, seed=7)
    assert variant(reseeded) != variant(first)                     # another seed deals the contacts anew


def test_an_ab_split_is_stable_for_a_contact_that_enters_again():
    again = journey("ab", on("visit"),
                    ("split", "branch.split", {"variants": [{"port": "a", "weight": 1}, {"port": "b", "weight": 1}]}),
                    email("subject_a"), email("subject_b"),
                    edges=[("start", "split"), ("split", "a", "subject_a"), ("split", "b", "subject_b")], reentry="always")
    visits = [event(f"c{i}@b.test", "visit", f"2026-03-10 {h:02d}:00") for i in range(20) for h in (1, 5, 9)]
    r = run([again], [{"email": f"c{i}@b.test"} for i in range(20)], visits, days=1)
    for i in range(20):
        assert len(sent(r, f"c{i}@b.test")) == 3
        assert len({node for node, _ in sent(r, f"c{i}@b.test")}) == 1
    assert {m.node for m in r.messages} == {"subject_a", "subject_b"}


def test_a_switch_takes_the_first_true_case_and_a_missing_field_takes_else():
    tiers = journey("tiers", MANUAL, ("size", "branch.switch", {"cases": [
                        {"port": "enterprise", "when": "contact.employees >= 1000"},
                        {"port": "mid", "when": "contact.employees >= 100"},
                        {"port": "named", "when": "contact.plan == 'pro'"}]}),
                    email("ent"), email("mid"), email("other"),
                    edges=[("all", "size"), ("size", "enterprise", "ent"), ("size", "mid", "mid"),
                           ("size", "named", "mid"), ("size", "else", "other")])
    r = run([tiers], [{"email": "big@b.test", "employees": 5000}, {"email": "mid@b.test", "employees": 250},
                      {"email": "small@b.test", "employees": 12}, {"email": "blank@b.test"}])
    assert [sent(r, c) for c in ("big@b.test", "mid@b.test", "small@b.test", "blank@b.test")] == [
        [("ent", "2026-03-10 00:00")], [("mid", "2026-03-10 00:00")],
        [("other", "2026-03-10 00:00")], [("other", "2026-03-10 00:00")]]
    assert all(only(r, c, "tiers").state == "completed" for c in r.states)


def test_an_if_branch_on_a_missing_field_takes_no():
    check = journey("check", MANUAL, ("big", "branch.if", {"when": "contact.employees > 10"}), email("yes_mail"), email("no_mail"),
                    edges=[("all", "big"), ("big", "yes", "yes_mail"), ("big", "no", "no_mail")])
    r = run([check], [{"email": "blank@b.test"}])
    assert sent(r, "blank@b.test") == [("no_mail", "2026-03-10 00:00")]


# === actions on the contact and between journeys ===============================================

def test_an_update_sets_fields_from_templates_and_adds_and_removes_tags():
    tag = journey("tag", MANUAL, ("mark", "action.update", {"set": {"greeting": "Hi {{ contact.first_name }}",
                                                                     "lifecycle_stage": "mql"},
                                                             "add_tags": ["ebook", "vip"], "remove_tags": ["cold"]}))
    r = run([tag], [{"email": "a@x.test", "first_name": "Ana", "tags": ["cold", "newsletter"]}])
    fields = r.states["a@x.test"].fields
    assert fields["greeting"] == "Hi Ana" and fields["lifecycle_stage"] == "mql"
    assert fields["tags"] == ["newsletter", "ebook", "vip"]
    assert trace(r, "a@x.test", "updated") == ["greeting = Hi Ana, lifecycle_stage = mql, +ebook, +vip, -cold"]


def test_a_score_action_adds_points_and_may_subtract():
    scoring = journey("scoring", MANUAL, ("up", "action.score", {"add": 15, "reason": "webinar"}),
                      ("down", "action.score", {"add": -5}))
    r = run([scoring], [{"email": "a@x.test", "score": 10}, {"email": "new@x.test"}])
    assert r.states["a@x.test"].fields["score"] == 20
    assert r.states["new@x.test"].fields["score"] == 10
    assert trace(r, "a@x.test", "updated") == ["score +15 (webinar) = 25", "score -5 = 20"]


def test_assign_owner_uses_the_first_matching_rule_else_round_robin_within_capacity():
    assign = journey("assign", MANUAL, ("owner", "action.assign_owner", {
        "rules": [{"when": "contact.country == 'DE'", "owner": "dieter"}],
        "pool": ["ann", "bob"], "capacity": 2}))
    contacts = [{"email": "de@x.test", "country": "DE"}] + [{"email": f"c{i}@x.test"} for i in range(5)]
    r = run([assign], contacts)
    owner = {c: r.states[c].fields.get("owner") for c in r.states}
    assert owner == {"de@x.test": "dieter", "c0@x.test": "ann", "c1@x.test": "bob", "c2@x.test": "ann",
                     "c3@x.test": "bob", "c4@x.test": None}
    # With every owner at capacity the contact is parked with the reason (the engine's choice; SPEC is silent).
    full = only(r, "c4@x.test", "assign")
    assert (full.state, full.error) == ("error", "every owner in the pool is at capacity")
    assert trace(r, "de@x.test", "done") == ["owner dieter by rule"]


def test_a_notification_to_the_owner_goes_to_the_owner_that_was_just_assigned():
    assign = journey("assign", MANUAL, ("owner", "action.assign_owner", {"pool": ["ann@sales.test"]}),
                     ("tell", "action.notify", {"to": "owner", "connector": "smtp", "subject": "New lead {{ contact.email }}", "body": "."}))
    r = run([assign], [{"email": "a@x.test"}])
    [m] = r.messages
    assert (m.channel, m.to, m.payload["subject"]) == ("notify", "ann@sales.test", "New lead a@x.test")


UPSELL = journey("upsell", on("purchase"), ("more", "action.enroll", {"journey": "onboarding"}), email("receipt"))


def test_enroll_starts_another_journey_for_the_contact():
    onboarding = journey("onboarding", ("by_hand", "trigger.manual", {}), email("tips"), reentry="always")
    r = run([onboarding, UPSELL], [{"email": "a@x.test"}], [event("a@x.test", "purchase", "2026-03-11 10:00")])
    assert sorted(sent(r, "a@x.test"), key=lambda s: (s[1], s[0])) == [
        ("tips", "2026-03-10 00:00"), ("receipt", "2026-03-11 10:00"), ("tips", "2026-03-11 10:00")]
    assert states(r, "a@x.test", "onboarding") == ["completed", "completed"]
    assert trace(r, "a@x.test", "done") == ["enrolled in onboarding"]


def test_enroll_respects_the_other_journeys_reentry_rule():
    onboarding = journey("onboarding", ("by_hand", "trigger.manual", {}), email("tips"))      # reentry: never
    r = run([onboarding, UPSELL], [{"email": "a@x.test"}], [event("a@x.test", "purchase", "2026-03-11 10:00")])
    assert sent(r, "a@x.test") == [("tips", "2026-03-10 00:00"), ("receipt", "2026-03-11 10:00")]
    assert trace(r, "a@x.test", "done") == ["not enrolled in onboarding: it allows no re-entry"]
    assert only(r, "a@x.test", "upsell").state == "completed"


def test_exit_journeys_takes_the_contact_out_of_the_journeys_it_names():
    nurture = journey("nurture", MANUAL, email("n1"), delay("d", "2d"), email("n2"))
    webinar = journey("webinar", MANUAL, delay("d", "2d"), email("w1"))
    bought = journey("bought", on("purchase"), ("stop", "action.exit_journeys", {"journeys": ["nurture"]}), email("thanks"))
    stop_all = journey("stop-all", on("churned"), ("stop", "action.exit_journeys", {"journeys": "all"}))
    r = run([nurture, webinar, bought, stop_all], [{"email": "a@x.test"}, {"email": "b@x.test"}],
            [event("a@x.test", "purchase", "2026-03-11 10:00"), event("b@x.test", "churned", "2026-03-11 10:00")])
    assert sent(r, "a@x.test") == [("n1", "2026-03-10 00:00"), ("thanks", "2026-03-11 10:00"), ("w1", "2026-03-12 00:00")]
    assert states(r, "a@x.test", "nurture") == ["exited"] and states(r, "a@x.test", "webinar") == ["completed"]
    assert trace(r, "a@x.test", "exited") == ["left: taken out by bought"]
    assert sent(r, "b@x.test") == [("n1", "2026-03-10 00:00")]
    assert states(r, "b@x.test", "nurture") == ["exited"] and states(r, "b@x.test", "webinar") == ["exited"]
    assert states(r, "b@x.test", "stop-all") == ["completed"]


# === run-time failures ==========================================================================

def test_a_template_that_fails_at_run_time_parks_only_that_contact_with_the_error():
    shout = journey("shout", MANUAL, email("hello", "HI {{ contact.first_name.upper() }}"), email("next"))
    r = run([shout], [{"email": "named@e.test", "first_name": "Ann"}, {"email": "nameless@e.test"}])
    assert sent(r, "named@e.test") == [("hello", "2026-03-10 00:00"), ("next", "2026-03-10 00:00")]
    assert r.messages[0].payload["subject"] == "HI ANN"
    e = only(r, "nameless@e.test", "shout")
    assert (e.state, e.node) == ("error", "hello")
    assert "first_name" in e.error and "upper" in e.error
    assert sent(r, "nameless@e.test") == []
    assert trace(r, "nameless@e.test", "error") == [e.error]


def test_a_division_by_zero_in_a_field_template_parks_the_contact():
    ratio = journey("ratio", MANUAL, ("calc", "action.update", {"set": {"ratio": "{{ 1 / 0 }}"}}), email("after"))
    r = run([ratio], [{"email": "a@e.test"}])
    e = only(r, "a@e.test", "ratio")
    assert (e.state, e.node) == ("error", "calc") and "division by zero" in e.error
    assert "ratio" not in r.states["a@e.test"].fields and sent(r, "a@e.test") == []


# === through the command line, as users run it ==================================================

def switchback_simulate(*journeys: str, contacts: str, events: str | None = None, days: int = 3,
                        options: tuple[str, ...] = ()) -> dict:
    cmd = [*SWITCHBACK, "simulate", *[str(RULES_DATA / j) for j in journeys], "--contacts", str(RULES_DATA / contacts),
           "--start", "2026-03-10T00:00:00Z", "--days", str(days), "--json", *options]
    if events:
        cmd += ["--events", str(RULES_DATA / events)]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def cli_sent(out: dict, contact: str) -> list[tuple[str, str, str, str]]:
    return [(m["journey"], m["node"], m["to"], m["at"]) for m in out["messages"] if m["contact"] == contact]


def cli_enrollments(out: dict, contact: str) -> dict[str, dict]:
    return {c["journey"]: c for c in out["contacts"] if c["contact"] == contact}


def test_cli_simulate_shows_each_contacts_messages_in_their_own_time_and_where_each_enrollment_ended():
    out = switchback_simulate("welcome.journey.json", "renewal.journey.json", contacts="contacts.csv",
                              events="events.jsonl", days=8)
    assert out["journeys"] == ["welcome", "renewal"]
    # Tokyo signed up at 21:00 local: welcome waits for 08:00; the renewal reminder is 09:00 local, 3 days early.
    assert sorted(cli_sent(out, "tokyo@cli.test"), key=lambda m: m[3]) == [
        ("welcome", "hello", "tokyo@cli.test", "2026-03-10T23:00:00Z"),
        ("renewal", "remind", "tokyo@cli.test", "2026-03-11T00:00:00Z"),
        ("welcome", "text", "+81300000000", "2026-03-11T23:00:00Z")]
    # New York has no phone: the SMS is skipped and the journey still completes.
    assert cli_sent(out, "ny@cli.test") == [("welcome", "hello", "ny@cli.test", "2026-03-10T12:00:00Z"),
                                            ("renewal", "remind", "ny@cli.test", "2026-03-17T13:00:00Z")]
    ny = cli_enrollments(out, "ny@cli.test")["welcome"]
    assert (ny["state"], ny["fields"]["onboarded"], ny["fields"]["tags"]) == ("completed", "yes", ["welcomed"])
    # The buyer became a customer that evening and left before the SMS.
    buyer = cli_enrollments(out, "buyer@cli.test")["welcome"]
    assert (buyer["state"], buyer["node"], buyer["fields"]["lifecycle_stage"]) == ("exited", "day", "customer")
    assert "onboarded" not in buyer["fields"]
    # An internal sign-up does not match the trigger's `where`.
    assert cli_enrollments(out, "staff@cli.test") == {} and cli_sent(out, "staff@cli.test") == []
    assert out["nodes"]["welcome"]["signup"] == {"entered": 3}
    assert out["nodes"]["welcome"]["text"] == {"entered": 2}


def test_cli_simulate_applies_the_workspace_time_zone_and_frequency_cap_options():
    plain = switchback_simulate("digest.journey.json", contacts="team.csv", days=2)
    assert [m["at"] for m in plain["messages"] if m["contact"] == "ann@cli.test"] == [
        "2026-03-10T00:00:00Z", "2026-03-10T09:00:00Z"]
    berlin = switchback_simulate("digest.journey.json", contacts="team.csv", days=2, options=("--timezone", "Europe/Berlin"))
    assert [m["at"] for m in berlin["messages"] if m["contact"] == "ann@cli.test"] == [
        "2026-03-10T00:00:00Z", "2026-03-10T08:00:00Z"]                 # 09:00 in Berlin
    capped = switchback_simulate("digest.journey.json", contacts="team.csv", days=2,
                                 options=("--timezone", "Europe/Berlin", "--cap", "1/1d"))
    assert [m["at"] for m in capped["messages"] if m["contact"] == "ann@cli.test"] == [
        "2026-03-10T00:00:00Z", "2026-03-11T00:00:00Z"]                 # held a day after the first, never dropped


def test_cli_simulate_parks_a_contact_whose_template_fails_and_carries_on_with_the_others():
    out = switchback_simulate("greeting.journey.json", contacts="team.csv", days=1)
    assert [(m["contact"], m["payload"]["subject"]) for m in out["messages"]] == [("ann@cli.test", "HI ANNIE")]
    bob = cli_enrollments(out, "bob@cli.test")["greeting"]
    assert (bob["state"], bob["node"]) == ("error", "shout") and "nickname" in bob["error"]
    assert cli_enrollments(out, "ann@cli.test")["greeting"]["state"] == "completed"


def test_a_goal_that_counts_events_converts_when_the_event_arrives():
    from datetime import datetime, timezone

    from switchback.runtime.contacts import Event
    from switchback.runtime.document import from_dict
    from switchback.runtime.simulation import simulate
    j = from_dict({"format": "switchback.journey/1", "key": "onb", "name": "Onboarding",
                   "settings": {"goal": "events('feature_used') >= 2"},
                   "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
                             {"id": "wait", "kind": "wait.delay", "config": {"duration": "5d"}},
                             {"id": "nudge", "kind": "action.email", "config": {"connector": "smtp", "subject": "Try it", "body": "."}}],
                   "edges": [{"from": "all", "to": "wait"}, {"from": "wait", "to": "nudge"}]})
    start = datetime(2026, 3, 10, tzinfo=timezone.utc)
    used = [Event("u@g.test", "feature_used", start.replace(day=11), {}), Event("u@g.test", "feature_used", start.replace(day=12), {})]
    r = simulate([j], [{"email": "u@g.test"}, {"email": "x@g.test"}], used, start, 10, keep_timeline=True)
    e = r.states["u@g.test"].enrollments[0]
    assert (e.state, e.ended_at) == ("converted", start.replace(day=12))
    assert [m.contact for m in r.messages] == ["x@g.test"]
