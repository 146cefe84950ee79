"""Templates and conditions see `event` (SPEC 11): the event that enrolled the contact, or the last
one that moved it on from a wait.event, and `none` where there is none; a wait for a click or an
open with no `where` waits for its own journey's emails. Through the simulator (the engine the
scheduler runs) and through the store (the event survives a scheduler round)."""
from __future__ import annotations

from datetime import datetime, timezone

from switchback.runtime.clock import VirtualClock
from switchback.runtime.contacts import Event
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Delivery
from switchback.runtime.store.workspace import Store
from tests.runtime.test_rules import MANUAL, at, email, event, journey, on, run, sent

THANKS = journey("ebook", on("form_submitted"),
                 email("thanks", subject="Thanks for downloading {{ event.properties.form }}",
                       body="{% if event.properties.form == 'ebook' %}Here it is.{% else %}Enjoy.{% endif %}"))


def subjects(result, contact: str) -> list[str]:
    return [m.payload["subject"] for m in sorted(result.messages, key=lambda m: m.at) if m.contact == contact]


def test_a_template_renders_from_the_event_that_enrolled_the_contact():
    r = run([THANKS], [{"email": "ada@e.test"}, {"email": "bob@e.test"}],
            [event("ada@e.test", "form_submitted", "2026-03-10 09:00", form="ebook"),
             event("bob@e.test", "form_submitted", "2026-03-10 10:00", form="webinar")])
    assert subjects(r, "ada@e.test") == ["Thanks for downloading ebook"]
    assert [m.payload["body"] for m in r.messages if m.contact == "ada@e.test"] == ["Here it is."]
    assert subjects(r, "bob@e.test") == ["Thanks for downloading webinar"]


def test_after_a_wait_event_templates_and_conditions_see_the_event_that_moved_the_contact_on():
    clicked = journey("clicked", on("form_submitted"), email("hello"),
                      ("wait", "wait.event", {"event": "email_clicked", "timeout": "2d"}),
                      ("which", "branch.if", {"when": "event.properties.url == 'https://shop.test/pricing'"}),
                      email("pricing", subject="You looked at {{ event.properties.url }}"),
                      email("other", subject="Was it {{ event.properties.url }}?"),
                      edges=[("start", "hello"), ("hello", "wait"), ("wait", "event", "which"),
                             ("which", "yes", "pricing"), ("which", "no", "other")])
    r = run([clicked], [{"email": "a@e.test"}, {"email": "b@e.test"}],
            [event("a@e.test", "form_submitted", "2026-03-10 09:00"),
             event("a@e.test", "email_clicked", "2026-03-10 11:00", url="https://shop.test/pricing", journey="clicked"),
             event("b@e.test", "form_submitted", "2026-03-10 09:00"),
             event("b@e.test", "email_clicked", "2026-03-10 11:00", url="https://shop.test/blog", journey="clicked")])
    assert subjects(r, "a@e.test") == ["Hello", "You looked at https://shop.test/pricing"]
    assert subjects(r, "b@e.test") == ["Hello", "Was it https://shop.test/blog?"]


def test_a_contact_enrolled_by_hand_has_no_event_and_it_is_none():
    manual = journey("manual", MANUAL, email("hi", subject="{% if event is none %}No event{% else %}{{ event.type }}{% endif %}"))
    r = run([manual], [{"email": "m@e.test"}])                  # the simulator enrolls in a manual journey at the start
    assert subjects(r, "m@e.test") == ["No event"]


def test_a_wait_for_a_click_with_no_where_waits_for_its_own_journeys_emails():
    mine = journey("mine", MANUAL, email("hello"), ("wait", "wait.event", {"event": "email_clicked", "timeout": "1d"}),
                   email("thanks"), email("nudge"),
                   edges=[("all", "hello"), ("hello", "wait"), ("wait", "event", "thanks"), ("wait", "timeout", "nudge")])
    from switchback.runtime.engine import ENROLL_EVENT
    enrolled = [Event(c, ENROLL_EVENT, at("2026-03-10 00:00"), {"journey": "mine"}) for c in ("o@e.test", "s@e.test", "f@e.test")]
    r = run([mine], [{"email": "o@e.test"}, {"email": "s@e.test"}, {"email": "f@e.test"}], enrolled + [
        event("o@e.test", "email_clicked", "2026-03-10 06:00", journey="another", node="promo"),  # another journey's email
        event("s@e.test", "email_clicked", "2026-03-10 06:00", journey="mine", node="hello"),
        event("f@e.test", "email_clicked", "2026-03-10 06:00")])                                  # from a file: names none
    assert sent(r, "o@e.test") == [("hello", "2026-03-10 00:00"), ("nudge", "2026-03-11 00:00")]
    assert sent(r, "s@e.test") == [("hello", "2026-03-10 00:00"), ("thanks", "2026-03-10 06:00")]
    assert sent(r, "f@e.test") == [("hello", "2026-03-10 00:00"), ("thanks", "2026-03-10 06:00")]


def test_the_event_is_kept_with_the_enrollment_across_scheduler_rounds(tmp_path):
    """Enrolled by the event, then a day's wait: the email composed in a later round (the contact
    read back from the store) still says which form."""
    later = journey("later", on("form_submitted"), ("d", "wait.delay", {"duration": "1d"}),
                    email("thanks", subject="Thanks for downloading {{ event.properties.form }}"))
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    start = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)
    with store.session() as s:
        repo.publish(s, later, start)
        repo.import_contacts(s, [{"email": "ada@e.test"}], start)
        repo.record_events(s, [Event("ada@e.test", "form_submitted", start, {"form": "ebook"})], start)
    clock = VirtualClock(start)
    Scheduler(store, clock).run(until_idle=True)
    with store.session() as s:
        assert s.query(Delivery).count() == 0                     # waiting a day
    Scheduler(store, VirtualClock(datetime(2026, 3, 11, 10, tzinfo=timezone.utc))).run(until_idle=True)
    with store.session() as s:
        assert [d.payload["subject"] for d in s.query(Delivery)] == ["Thanks for downloading ebook"]
