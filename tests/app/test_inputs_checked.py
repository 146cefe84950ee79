"""Input the command line used to take as it came (findings M5 and L7): contact_updated events with
values an import refuses, an event moving a contact to another address, a CSV naming a column twice,
connector names the store cannot hold, an image written in part."""
from __future__ import annotations

import json
import resource
import sqlite3
import subprocess

import pytest

from tests.conftest import DATA, SWITCHBACK
from tests.support.cli import sw

CONTACTS = DATA / "audit" / "contacts.csv"
ADA = "ada.lovelace@example.com"
GOOD = json.dumps({"contact": ADA, "type": "seen", "at": "2026-03-11T10:00:00Z"})


def _update(**fields) -> str:
    return json.dumps({"contact": ADA, "type": "contact_updated", "at": "2026-03-11T11:00:00Z", "properties": fields})


@pytest.mark.parametrize("fields, says", [
    ({"email": "other@x.com"}, f"properties.email: 'other@x.com' is not {ADA}: an event cannot change a contact's address"),
    ({"consent_email": "maybe"}, "properties.consent_email: 'maybe' is not one of subscribed, unsubscribed, unknown"),
    ({"timezone": "Nope/No"}, "properties.timezone: 'Nope/No' is not an IANA time zone (such as Europe/Berlin)"),
    ({"tags": "notalist"}, "properties.tags: 'notalist' is not a list of tags"),
    ({"score": "lots"}, "properties.score: 'lots' is not a whole number"),
    ({"first_name": ["Ada"]}, "properties.first_name: ['Ada'] is not text"),
])
def test_contact_updated_events_pass_the_checks_of_a_csv_import(tmp_path, fields, says):
    ws, events = tmp_path / "ws.sqlite", tmp_path / "events.jsonl"
    events.write_text(GOOD + "\n" + _update(**fields) + "\n")
    assert sw("import", CONTACTS, "--workspace", ws)[0] == 0
    for args in (["events", events, "--workspace", ws],
                 ["simulate", DATA / "audit" / "trial-tips.journey.json", "--contacts", CONTACTS, "--events", events]):
        rc, out, err = sw(*args)
        assert (rc, out) == (2, "")
        assert err.startswith(f"{events}:2: {says}"), err
        assert len(err.splitlines()) == 1
    with sqlite3.connect(ws) as db:                      # nothing recorded, the address unchanged
        assert db.execute("SELECT count(*) FROM events").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM contacts WHERE email = ?", (ADA,)).fetchone() == (1,)


def test_a_contact_updated_event_is_typed_as_an_import_would(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(_update(email=ADA.upper(), score="55", consent_email="Unsubscribed", timezone="Europe/Berlin",
                              tags=["vip"], plan={"seats": 3}, owner=None) + "\n")
    ws = tmp_path / "ws.sqlite"
    assert sw("import", CONTACTS, "--workspace", ws)[0] == 0
    assert sw("events", events, "--workspace", ws)[:2] == (0, "1 events recorded\n")
    with sqlite3.connect(ws) as db:
        recorded = json.loads(db.execute("SELECT properties FROM events").fetchone()[0])
    assert recorded == {"email": ADA.upper(), "score": 55, "consent_email": "unsubscribed", "timezone": "Europe/Berlin",
                        "tags": ["vip"], "plan": {"seats": 3}, "owner": None}


def test_an_event_for_something_that_is_not_an_email_is_refused(tmp_path):
    events = tmp_path / "events.jsonl"
    events.write_text(GOOD + "\n" + GOOD.replace(ADA, "not an email") + "\n")
    rc, out, err = sw("events", events, "--workspace", tmp_path / "ws.sqlite")
    assert (rc, err) == (2, f"{events}:2: contact: 'not an email' is not an email address\n")


def test_a_csv_naming_a_column_twice_is_refused_at_its_header(tmp_path):
    csv = tmp_path / "twice.csv"
    csv.write_text("email,first_name,email\nada@x.com,Ada,grace@x.com\n")
    for args in (["import", csv, "--workspace", tmp_path / "ws.sqlite"],
                 ["simulate", DATA / "audit" / "trial-tips.journey.json", "--contacts", csv]):
        assert sw(*args) == (2, "", f"{csv}:1: the header names 'email' more than once\n")


@pytest.mark.parametrize("name", ["", "   ", "x" * 129, "x" * 5_000, "tab\there"])
def test_a_connector_name_the_workspace_cannot_hold_is_refused(tmp_path, name):
    ws = tmp_path / "ws.sqlite"
    rc, out, err = sw("connector", "add", name, "--kind", "record", "--workspace", ws)
    assert (rc, out) == (2, "")
    assert err.endswith(": a name is 1 to 128 printable characters\n") and len(err.splitlines()) == 1
    assert sw("connector", "add", "x" * 128, "--kind", "record", "--workspace", ws)[0] == 0
    with sqlite3.connect(ws) as db:
        assert db.execute("SELECT length(name) FROM connectors").fetchall() == [(128,)]


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_an_image_that_cannot_be_written_whole_leaves_no_file(tmp_path, suffix):
    """Files limited to 8 KB, as a full disk would: Qt's writers stopped there and said nothing."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))
    out = tmp_path / f"tips{suffix}"
    p = subprocess.run([*SWITCHBACK, "export-image", str(DATA / "audit" / "trial-tips.journey.json"), str(out)],
                       preexec_fn=limit, capture_output=True, text=True, timeout=120)
    assert (p.returncode, p.stdout, p.stderr) == (2, "", f"{out}: cannot write: File too large\n")
    assert list(tmp_path.iterdir()) == []
    assert sw("export-image", DATA / "audit" / "trial-tips.journey.json", out)[0] == 0
    assert out.stat().st_size > 8192
