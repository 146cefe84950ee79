"""What a step did is a typed value (nodes.outcomes.Did), decided by the node that did it, not read
back out of its note's words; on disk it is the same word a workspace has always held."""
import json
from datetime import datetime, timezone

from sqlalchemy import text

from switchback.app.cli import main
from switchback.nodes.outcomes import Did
from switchback.runtime.contacts import Event
from switchback.runtime.document import from_dict
from switchback.runtime.simulation import simulate
from switchback.runtime.simulation_summary import summarise
from switchback.runtime.store.workspace import Store

START = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
JOURNEY = {
    "format": "switchback.journey/1", "key": "welcome", "name": "Welcome",
    "nodes": [
        {"id": "start", "kind": "trigger.event", "config": {"event": "signed_up"}},
        {"id": "mail", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hi", "body": "Hello"}},
        {"id": "tell", "kind": "action.notify",
         "config": {"to": "owner", "connector": "smtp", "subject": "{{ contact.email }}", "body": ""}},
        {"id": "owner", "kind": "action.assign_owner", "config": {"pool": ["ann@example.com"]}},
        {"id": "end", "kind": "exit", "config": {}},
    ],
    "edges": [{"from": "start", "to": "mail"}, {"from": "mail", "to": "tell"}, {"from": "tell", "to": "owner"},
              {"from": "owner", "to": "end"}],
}
CONTACTS = [{"email": "in@c.test", "consent_email": "subscribed"},
            {"email": "out@c.test", "consent_email": "unsubscribed"}]


def _steps(result, contact: str) -> list[tuple[str, str, str]]:
    return [(s.node, s.what, s.detail) for s in result.timeline[contact] if s.what != Did.ENTERED]


def test_each_step_says_what_it_did_as_a_typed_value():
    journey = from_dict(JOURNEY)
    events = [Event(c["email"], "signed_up", START) for c in CONTACTS]
    result = simulate([journey], CONTACTS, events, START, 1, keep_timeline=True)
    assert _steps(result, "in@c.test") == [
        ("mail", Did.SENT, "email to in@c.test via smtp"),
        ("tell", Did.SKIPPED, "not sent: the contact has no owner"),
        ("owner", Did.UPDATED, "owner = ann@example.com"),
        ("owner", Did.DONE, "owner ann@example.com in turn"),
        ("end", Did.COMPLETED, "reached the end"),
    ]
    assert [what for _, what, _ in _steps(result, "out@c.test")] == [Did.SKIPPED, Did.SKIPPED, Did.UPDATED, Did.DONE,
                                                                     Did.COMPLETED]
    summary = summarise(result, journey, events)
    assert summary.outcomes["mail"][Did.SKIPPED] == 1           # the unsubscribed contact
    assert summary.outcomes["tell"][Did.SKIPPED] == 2           # neither had an owner yet
    assert summary.outcomes["end"][Did.COMPLETED] == 2


def test_the_store_holds_the_same_words_as_before(tmp_path, capsys):
    ws, journey, events, contacts = (tmp_path / "w.switchback", tmp_path / "j.journey.json",
                                     tmp_path / "e.jsonl", tmp_path / "c.csv")
    journey.write_text(json.dumps(JOURNEY))
    contacts.write_text("email,consent_email\n" + "".join(f"{c['email']},{c['consent_email']}\n" for c in CONTACTS))
    events.write_text("".join(json.dumps({"contact": c["email"], "type": "signed_up", "at": START.isoformat()}) + "\n"
                              for c in CONTACTS))
    for args in (["run", "--fast-forward", "--start", START.isoformat()], ["import", contacts], ["publish", journey],
                 ["events", events], ["run", "--fast-forward"]):
        assert main([str(a) for a in args] + ["--workspace", str(ws)]) == 0
    store = Store(f"sqlite:///{ws}")
    with store.session() as s:
        rows = s.execute(text("SELECT s.node, s.what FROM steps s JOIN contacts c ON c.id = s.contact_id "
                              "WHERE c.email = 'out@c.test' AND s.node IS NOT NULL ORDER BY s.id")).all()
    store.close()
    assert [tuple(r) for r in rows] == [("start", "entered"), ("mail", "entered"), ("mail", "skipped"),
                                        ("tell", "entered"), ("tell", "skipped"), ("owner", "entered"),
                                        ("owner", "updated"), ("owner", "done"), ("end", "entered"), ("end", "completed")]
    assert all(type(what) is str for _, what in rows)
    capsys.readouterr()
    assert main(["trace", "out@c.test", "--workspace", str(ws)]) == 0
    assert "skipped    not sent: unsubscribed from email" in capsys.readouterr().out
