"""Pause, resume and turn off a published journey, through the command line against a real SMTP
server: paused, nothing of it runs and its queued mail waits; resumed, what fell due goes once;
off, everyone leaves with the reason and nobody enters. Each is in the journey's history."""
from __future__ import annotations

import socket
import sqlite3

import pytest

from tests.connectors.servers import FakeSMTP
from tests.support.cli import sw

JOURNEY = ('{{"format": "switchback.journey/1", "key": "{key}", "name": "{key}", "nodes": ['
           '{{"id": "all", "kind": "trigger.manual", "config": {{}}}}, '
           '{{"id": "first", "kind": "action.email", "config": {{"connector": "mail", "subject": "{key} one", "body": "."}}}}, '
           '{{"id": "day", "kind": "wait.delay", "config": {{"duration": "1d"}}}}, '
           '{{"id": "second", "kind": "action.email", "config": {{"connector": "mail", "subject": "{key} two", "body": "."}}}}], '
           '"edges": [{{"from": "all", "to": "first"}}, {{"from": "first", "to": "day"}}, {{"from": "day", "to": "second"}}]}}')
PEOPLE = ["ann@example.com", "bo@example.com"]


@pytest.fixture
def smtp():
    with FakeSMTP() as server:
        yield server


def _connector(port: int) -> list:
    return ["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={port}",
            "--set", "from=news@shop.test", "--set", "tls=none"]


@pytest.fixture
def ws(tmp_path, smtp, test_keyring):
    where = ["--workspace", str(tmp_path / "w.sqlite")]
    people = tmp_path / "people.csv"
    people.write_text("email,consent_email\n" + "".join(f"{p},subscribed\n" for p in PEOPLE + ["carl@example.com"]))
    for key in ("spring", "autumn"):
        (tmp_path / f"{key}.journey.json").write_text(JOURNEY.format(key=key))
    for args in (_connector(smtp.port), ["import", people], ["publish", tmp_path / "spring.journey.json"],
                 ["publish", tmp_path / "autumn.journey.json"]):
        assert sw(*args, *where)[0] == 0, args
    return where


def subjects(smtp) -> list[str]:
    return sorted(r.message["Subject"] for r in smtp.received)


def ok(*args):
    rc, out, err = sw(*args)
    assert rc == 0, (args, out, err)
    return out


def test_a_paused_journey_runs_nothing_until_resumed_and_then_goes_on_once(ws, smtp):
    ok("enroll", "spring", *PEOPLE, *ws)
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    assert subjects(smtp) == ["spring one", "spring one"]
    out = ok("pause", "spring", "--note", "fixing the copy", "--as", "ada", *ws)
    assert out.startswith("spring is paused: 2 contacts wait where they are")
    ok("run", "--fast-forward", "--sync-every", "0", *ws)            # days pass on a virtual clock
    assert subjects(smtp) == ["spring one", "spring one"]
    ok("enroll", "spring", "carl@example.com", *ws)
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    assert "not enrolled in spring: the journey is paused" in sw("trace", "carl@example.com", *ws)[1]
    out = ok("resume", "spring", "--as", "ada", *ws)
    assert out.startswith("spring is running: 2 contacts go on")
    ok("run", "--fast-forward", "--sync-every", "0", *ws)
    assert subjects(smtp) == ["spring one", "spring one", "spring two", "spring two"]
    history = ok("history", "spring", *ws).splitlines()
    assert history[1].split()[:4] == ["resumed", *history[1].split()[1:3], "ada"]
    assert history[2].split()[0] == "paused" and history[2].endswith("fixing the copy")
    assert history[3].split()[0] == "1"                               # the version, published first


def test_a_paused_journeys_queued_mail_waits_in_the_outbox(ws, smtp, tmp_path):
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))                                     # bound, never listening: refused
    ok(*_connector(closed.getsockname()[1]), *ws)
    ok("enroll", "autumn", PEOPLE[0], *ws)
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    closed.close()
    assert smtp.received == []
    ok("pause", "autumn", *ws)
    ok(*_connector(smtp.port), *ws)
    with sqlite3.connect(ws[1]) as c:                                 # its retry time has come
        c.execute("UPDATE outbox SET next_attempt = NULL WHERE status = 'pending'")
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    assert smtp.received == []
    assert "1 queued" in ok("outbox", *ws)
    ok("resume", "autumn", *ws)
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    assert subjects(smtp) == ["autumn one"]


def test_turning_a_journey_off_takes_everyone_out_with_the_reason_and_lets_nobody_in(ws, smtp):
    ok("enroll", "autumn", *PEOPLE, *ws)
    ok("run", "--until-idle", "--sync-every", "0", *ws)
    out = ok("turn-off", "autumn", "--as", "grace", "--note", "season over", *ws)
    assert out == "autumn is off: 2 contacts left it, 0 queued messages dismissed.\n"
    trace = ok("trace", PEOPLE[0], *ws)
    assert "the journey was turned off by grace: season over" in trace
    ok("enroll", "autumn", "carl@example.com", *ws)
    ok("run", "--fast-forward", "--sync-every", "0", *ws)
    assert subjects(smtp) == ["autumn one", "autumn one"]
    assert "not enrolled in autumn: the journey is off" in ok("trace", "carl@example.com", *ws)
    latest = ok("history", "autumn", *ws).splitlines()[1]
    assert latest.lstrip().startswith("turned off") and "grace" in latest and latest.endswith("season over")


@pytest.mark.parametrize("args, says", [
    (["pause", "nope"], "nope: no such journey in the workspace"),
    (["resume", "spring"], "spring: is running already"),
    (["turn-off", "nope"], "nope: no such journey"),
])
def test_bad_controls_are_one_line_and_change_nothing(ws, args, says):
    rc, out, err = sw(*args, *ws)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and says in err
