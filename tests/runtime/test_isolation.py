"""One bad journey stops no one (SPEC 3): a node, trigger, template or row that fails at run time
parks that contact where it failed, with the reason in its trace, and the scheduler serves the rest."""
import json
import sqlite3
import time
from datetime import datetime, timezone

from sqlalchemy import event, select

from switchback.app.cli import main
from switchback.runtime import document
from switchback.runtime.clock import WallClock
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import EnrollmentRow
from switchback.runtime.store.workspace import Store


def sw(*args) -> int:
    return main([str(a) for a in args])


def journey(key: str, nodes: list[dict], edges: list[tuple]) -> dict:
    return {"format": "switchback.journey/1", "key": key, "name": key, "nodes": nodes,
            "edges": [{"from": a, "to": b, **({"port": p} if p else {})} for a, b, p in edges]}


def email(node: str, subject: str) -> dict:
    return {"id": node, "kind": "action.email", "config": {"connector": "mail", "subject": subject, "body": "-"}}


MANUAL = {"id": "start", "kind": "trigger.manual", "config": {}}
HEALTHY = journey("healthy", [MANUAL, email("hello", "Hello {{ contact.first_name }}")], [("start", "hello", None)])
# Each makes its contacts fail at run time; their reason is what `trace` must show.
POISONED = {
    "huge": (journey("huge", [MANUAL, email("big", "{{ 'a' * 520000000 }}")], [("start", "big", None)]),
             "520,000,000 characters"),
    "power": (journey("power", [MANUAL, email("pow", "{{ 10**(10**7) }}")], [("start", "pow", None)]),
              "stopped: it would make a number"),
    "width": (journey("width", [MANUAL, email("fmt", "{{ '%*d' % (10**9, 1) }}")], [("start", "fmt", None)]),
              "1,000,000,000 characters"),
    "times": (journey("times", [MANUAL, email("mul", "{{ 'a'*10**8 }}")], [("start", "mul", None)]),
              "100,000,000 characters"),
    "cond": (journey("cond", [MANUAL, {"id": "if", "kind": "branch.if", "config": {"when": "10**(10**7) > contact.score"}},
                              email("y", "yes"), email("n", "no")],
                     [("start", "if", None), ("if", "y", "yes"), ("if", "n", "no")]), "stopped: it would make a number"),
    "loop": (journey("loop", [MANUAL, email("spin", "{% for i in range(100000) %}{% for j in range(100000) %}"
                                                      "{% endfor %}{% endfor %}")], [("start", "spin", None)]),
             "time limit"),
    # valid, but this contact's date plus the offset is past the calendar's end (year 9999)
    "renewal": (journey("renewal", [{"id": "renew", "kind": "trigger.date", "config": {"field": "renewal_date", "offset": "2w"}},
                                    email("m", "renewal")], [("renew", "m", None)]), "OverflowError"),
}
# Refused by validation now, but a workspace may hold them from before (or a bundle may bring them).
STORED_ONLY = {
    "quiet": (journey("quiet", [{"id": "gone", "kind": "trigger.inactive", "config": {"days": 3000000}}, email("m", "back?")],
                      [("gone", "m", None)]), "OverflowError"),
    "early": (journey("early", [{"id": "renew", "kind": "trigger.date", "config": {"field": "renewal_date", "offset": "-1000000w"}},
                                email("m", "early")], [("renew", "m", None)]), "OverflowError"),
}


def trace(ws, email_address, capsys) -> str:
    capsys.readouterr()
    assert sw("trace", email_address, "--workspace", ws) == 0
    return capsys.readouterr().out


def test_poisoned_journeys_park_their_contacts_and_the_healthy_journey_is_served(tmp_path, capsys):
    ws = tmp_path / "w.sqlite"
    (tmp_path / "people.csv").write_text("email,first_name,score,renewal_date\nada@x.test,Ada,5,9999-12-25\n"
                                         "bob@x.test,Bob,7,2027-03-01\n")
    assert sw("import", tmp_path / "people.csv", "--workspace", ws) == 0
    for key, doc in [("healthy", HEALTHY), *[(k, d) for k, (d, _) in POISONED.items()]]:
        (tmp_path / f"{key}.journey.json").write_text(json.dumps(doc))
        assert sw("publish", tmp_path / f"{key}.journey.json", "--workspace", ws) == 0, capsys.readouterr()
    store = Store(f"sqlite:///{ws}")
    with store.session() as s:
        for key, (doc, _) in STORED_ONLY.items():
            repo.publish(s, document.loads(json.dumps(doc), key), datetime.now(timezone.utc))
    store.close()
    for key in ["healthy", *[k for k in POISONED if k != "renewal"]]:
        assert sw("enroll", key, "--where", "true", "--workspace", ws) == 0

    started = time.perf_counter()
    assert sw("run", "--until-idle", "--workspace", ws) == 0
    took = time.perf_counter() - started
    with capsys.disabled():
        print(f"run --until-idle with {len(POISONED) + len(STORED_ONLY)} poisoned journeys: {took:.2f} s")
    assert took < 30

    for person in ("ada@x.test", "bob@x.test"):
        lines = trace(ws, person, capsys)
        assert "healthy/hello" in lines and "email to " + person in lines            # served
        for key, (_, reason) in POISONED.items():
            if key == "renewal" and person == "bob@x.test":
                continue                                                           # his date is fine
            assert any(line.split()[3].startswith(key + "/") and "error" in line and reason in line
                       for line in lines.splitlines()), (key, lines)
        assert "quiet" in lines and "trigger failed: OverflowError" in lines
    assert "early/renew" in trace(ws, "ada@x.test", capsys)
    store = Store(f"sqlite:///{ws}")
    with store.session() as s:
        states = {(e.journey, e.state, e.error is not None) for e in s.scalars(select(EnrollmentRow))}
    store.close()
    assert ("healthy", "completed", False) in states
    assert {(k, "error", True) for k in POISONED if k != "renewal"} <= states


def test_a_row_the_store_refuses_parks_that_contact_and_the_batch_goes_on(tmp_path, capsys):
    """SQLite's own length limit, lowered: a message of 300,000 characters is within the render
    limit but more than this store takes, as 520 MB is more than SQLite takes by default."""
    ws = tmp_path / "w.sqlite"
    (tmp_path / "people.csv").write_text("email,first_name,size\nada@x.test,Ada,300000\nbob@x.test,Bob,10\n")
    assert sw("import", tmp_path / "people.csv", "--workspace", ws) == 0
    big = journey("big", [MANUAL, email("m", "{{ 'a' * contact.size }}")], [("start", "m", None)])
    for doc in (HEALTHY, big):
        (tmp_path / f"{doc['key']}.journey.json").write_text(json.dumps(doc))
        assert sw("publish", tmp_path / f"{doc['key']}.journey.json", "--workspace", ws) == 0
        assert sw("enroll", doc["key"], "--where", "true", "--workspace", ws) == 0
    store = Store(f"sqlite:///{ws}")
    event.listen(store.engine, "connect", lambda conn, record: conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 200_000))
    store.engine.dispose()
    Scheduler(store, WallClock()).run(until_idle=True)
    with store.session() as s:
        rows = {(e.contact_id, e.journey): (e.state, e.node, e.error) for e in s.scalars(select(EnrollmentRow))}
        ada, bob = repo.contact_id(s, "ada@x.test"), repo.contact_id(s, "bob@x.test")
    store.close()
    assert rows[(ada, "big")][:2] == ("error", "m") and "could not be stored" in rows[(ada, "big")][2]
    assert rows[(bob, "big")][0] == "completed"
    assert rows[(ada, "healthy")][0] == rows[(bob, "healthy")][0] == "completed"
    assert "could not be stored: DataError: string or blob too big" in trace(ws, "ada@x.test", capsys)
