"""`switchback forget`: an erased person's fields, events, steps and message bodies are gone from the
workspace's files (SQLite file, WAL and journal; PostgreSQL tables), the log keeps a keyed hash, a
later import without new consent does not bring them back, with new consent it does."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.connectors.servers import FakeSMTP
from tests.support import postgres
from tests.support.cli import sw

JOURNEY = ('{"format": "switchback.journey/1", "key": "welcome", "name": "Welcome", "nodes": ['
           '{"id": "all", "kind": "trigger.manual", "config": {}}, {"id": "mail", "kind": "action.email", '
           '"label": "Welcome email", "config": {"connector": "mail", "subject": "Welcome, {{ contact.first_name }}", '
           '"body": "Your code is {{ contact.promo }}."}}], "edges": [{"from": "all", "to": "mail"}]}')
# What only the erased person's rows hold: the address, the name, a field, an event's property, the
# body of the message they were sent.
TRACES = [b"zebulonia.quist", b"Zebulonia", b"QUOKKA7731", b"okapi-landing-page", b"Your code is QUOKKA7731"]


def _files(ws: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (ws, Path(f"{ws}-wal"), Path(f"{ws}-journal")) if p.exists())


@pytest.fixture(scope="module")
def smtp():
    with FakeSMTP() as server:
        yield server


def _connector(smtp) -> list:
    return ["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={smtp.port}",
            "--set", "from=news@shop.test", "--set", "tls=none"]


@pytest.fixture
def ws(tmp_path, test_keyring, smtp):
    where = ["--workspace", str(tmp_path / "w.sqlite")]
    people = tmp_path / "people.csv"
    people.write_text("email,first_name,promo,consent_email\nzebulonia.quist@example.com,Zebulonia,QUOKKA7731,unknown\n"
                      "ann@example.com,Ann,ANN1,subscribed\n")
    events = tmp_path / "events.jsonl"
    events.write_text('{"contact": "zebulonia.quist@example.com", "type": "page_view", '
                      '"at": "2026-03-01T10:00:00Z", "properties": {"url": "/okapi-landing-page"}}\n')
    journey = tmp_path / "welcome.journey.json"
    journey.write_text(JOURNEY)
    for args in (_connector(smtp), ["import", people], ["events", events], ["publish", journey],
                 ["enroll", "welcome", "zebulonia.quist@example.com", "ann@example.com"], ["run", "--until-idle"]):
        rc, out, err = sw(*args, *where)
        assert rc == 0, (args, out, err)
    return tmp_path / "w.sqlite", where


def test_after_forget_no_byte_of_the_person_is_left_in_the_workspace_files(ws):
    path, where = ws
    rc, out, _ = sw("trace", "zebulonia.quist@example.com", *where)
    assert rc == 0 and "welcome/mail" in out and "sent" in out
    before = _files(path)
    assert all(t in before for t in TRACES)                  # the search below can find them
    rc, out, err = sw("forget", "Zebulonia.Quist@example.com", "--as", "dpo", *where)
    assert (rc, err) == (0, "") and out.startswith("Erased 1 contact:")
    after = _files(path)
    assert [t for t in TRACES if t in after] == []
    assert b"ann@example.com" in after and b"ANN1" in after       # everyone else is untouched
    rc, out, err = sw("trace", "zebulonia.quist@example.com", *where)
    assert rc == 2 and out == "" and len(err.strip().splitlines()) == 1 and "erased on request" in err
    rc, out, _ = sw("trace", "ann@example.com", *where)
    assert rc == 0 and "welcome/mail" in out
    rc, out, _ = sw("forget", "--log", *where)
    assert rc == 0 and len(out.splitlines()) == 1 and "asked by dpo" in out and "zebulonia" not in out.lower()


def test_forgetting_an_address_the_workspace_does_not_hold_changes_nothing(ws):
    path, where = ws
    with sqlite3.connect(path) as c:
        counts = [c.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("contacts", "events", "steps", "outbox")]
    rc, out, err = sw("forget", "ann@example.com", "nobody@example.com", *where)
    assert rc == 1 and err == "" and out.strip() == ("switchback forget: nobody@example.com: no such contact in the "
                                                    "workspace; nothing was erased")
    with sqlite3.connect(path) as c:
        assert counts == [c.execute(f"SELECT count(*) FROM {t}").fetchone() for t in ("contacts", "events", "steps",
                                                                                      "outbox")]
    assert sw("forget", "--log", *where)[1].startswith("No one has been erased")


def test_a_later_import_brings_the_person_back_only_with_new_consent(ws, tmp_path):
    path, where = ws
    assert sw("forget", "zebulonia.quist@example.com", *where)[0] == 0
    again = tmp_path / "again.csv"
    again.write_text("email,first_name,consent_email\nzebulonia.quist@example.com,Zebulonia,unknown\n")
    rc, out, _ = sw("import", again, *where)
    assert rc == 0 and "0 added" in out
    assert sw("trace", "zebulonia.quist@example.com", *where)[0] == 2
    sw("events", _event(tmp_path, "page_view", {"url": "/back"}), *where)        # events alone do not either
    assert b"zebulonia.quist" not in _files(path)
    again.write_text("email,first_name,consent_email\nzebulonia.quist@example.com,Zebulonia,subscribed\n")
    rc, out, _ = sw("import", again, *where)
    assert rc == 0 and "1 added" in out
    rc, out, _ = sw("trace", "zebulonia.quist@example.com", *where)
    assert rc == 0
    log = sw("forget", "--log", *where)[1]
    assert "came back with new consent" in log


def _event(folder: Path, kind: str, props: dict) -> Path:
    import json
    f = folder / f"{kind}.jsonl"
    f.write_text(json.dumps({"contact": "zebulonia.quist@example.com", "type": kind, "at": "2026-03-02T10:00:00Z",
                             "properties": props}) + "\n")
    return f


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed")
def test_forget_on_postgresql_leaves_nothing_in_the_tables(tmp_path, test_keyring, smtp):
    with postgres.server() as url:
        where = ["--db", url]
        people = tmp_path / "people.csv"
        people.write_text("email,first_name,promo\nzebulonia.quist@example.com,Zebulonia,QUOKKA7731\n"
                          "ann@example.com,Ann,ANN1\n")
        journey = tmp_path / "welcome.journey.json"
        journey.write_text(JOURNEY)
        for args in (_connector(smtp), ["import", people], ["publish", journey], ["enroll", "welcome", "zebulonia.quist@example.com"],
                     ["run", "--until-idle"], ["forget", "zebulonia.quist@example.com"]):
            assert sw(*args, *where)[0] == 0, args
        from sqlalchemy import create_engine, inspect, text
        engine = create_engine(url)
        with engine.connect() as c:
            dump = " ".join(str(row) for t in inspect(engine).get_table_names()
                            for row in c.execute(text(f'SELECT t::text FROM "{t}" t')))
        engine.dispose()
        assert "ann@example.com" in dump
        assert [t for t in TRACES if t.decode() in dump] == []
