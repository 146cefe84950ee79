"""The rules of a running journey, as a marketer sees them: who gets which message and when, where
each enrollment ends up, and what the trace says. Journeys run through the simulator on a virtual
clock that starts on Tuesday 2026-03-10 at 00:00 UTC; a few tests go through `switchback simulate`
exactly as users run it."""
from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from runtime.contacts import Event
from runtime.document import Journey, from_dict
from runtime.engine import WorkspaceRules
from runtime.settings import FrequencyCap, QuietHours
from runtime.simulation import SimulationResult, simulate
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
