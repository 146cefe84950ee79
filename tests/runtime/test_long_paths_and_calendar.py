"""Validation refuses what would fail for every contact at run time: a moment past the calendar and
a path longer than a contact may take at once; an errored contact always says why."""
import json
from datetime import datetime, timezone

import pytest

from switchback.app.cli import main
from switchback.runtime import document
from switchback.runtime.published import PublishedJourneys, Published
from switchback.runtime.engine import Engine
from switchback.runtime.limits import MAX_STEPS
from switchback.runtime.state import ContactState


def chain(nodes: int, key: str = "chain") -> dict:
    """A manual trigger and then `nodes - 1` score actions, with no wait."""
    ids = ["start"] + [f"n{i}" for i in range(nodes - 1)]
    return {"format": "switchback.journey/1", "key": key, "name": key,
            "nodes": [{"id": "start", "kind": "trigger.manual", "config": {}}]
            + [{"id": i, "kind": "action.score", "config": {"add": 1}} for i in ids[1:]],
            "edges": [{"from": a, "to": b} for a, b in zip(ids, ids[1:])]}


def manual(*extra_nodes: dict) -> dict:
    ids = ["start", *[n["id"] for n in extra_nodes]]
    return {"format": "switchback.journey/1", "key": "j", "name": "j",
            "nodes": [{"id": "start", "kind": "trigger.manual", "config": {}}, *extra_nodes],
            "edges": [{"from": a, "to": b} for a, b in zip(ids, ids[1:])]}


OUT_OF_CALENDAR = [
    (manual({"id": "w", "kind": "wait.delay", "config": {"duration": "99999999999999999999d"}}), "w: config.duration"),
    ({"format": "switchback.journey/1", "key": "j", "name": "j",
      "nodes": [{"id": "r", "kind": "trigger.date", "config": {"field": "renewal_date", "offset": "-1000000w"}}], "edges": []},
     "r: config.offset"),
    ({"format": "switchback.journey/1", "key": "j", "name": "j",
      "nodes": [{"id": "q", "kind": "trigger.inactive", "config": {"days": 3000000}}], "edges": []}, "q: config.days"),
    (manual({"id": "w", "kind": "wait.delay", "config": {"duration": "5300w"}}), "w: config.duration"),
]


@pytest.mark.parametrize("doc,where", OUT_OF_CALENDAR)
def test_a_moment_past_the_calendar_is_one_problem_line(doc, where, tmp_path, capsys):
    path = tmp_path / "j.journey.json"
    path.write_text(json.dumps(doc))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr()
    assert out.out.strip().splitlines() == [out.out.strip()] and f"j.journey.json:{where}" in out.out
    assert "100 years" in out.out and "Traceback" not in out.err


def test_a_path_longer_than_a_contact_may_take_at_once_is_refused_where_it_passes_the_limit(tmp_path, capsys):
    path = tmp_path / "long.journey.json"
    path.write_text(json.dumps(chain(MAX_STEPS + 1)))
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"long.journey.json:n{MAX_STEPS - 1}: {MAX_STEPS + 1} steps in a row without a wait" in out
    path.write_text(json.dumps(chain(MAX_STEPS)))
    assert main(["validate", str(path)]) == 0


def test_a_path_of_exactly_the_limit_completes_and_one_over_it_errs_with_the_reason(tmp_path, capsys):
    (tmp_path / "people.csv").write_text("email\nada@x.test\n")
    path = tmp_path / "chain.journey.json"
    path.write_text(json.dumps(chain(MAX_STEPS)))
    capsys.readouterr()
    assert main(["simulate", str(path), "--contacts", str(tmp_path / "people.csv"), "--days", "1", "--json"]) == 0
    [contact] = json.loads(capsys.readouterr().out)["contacts"]
    assert contact["state"] == "completed"
    # one over, as a workspace may hold from before validation refused it: the reason is kept
    p = Published(document.loads(json.dumps(chain(MAX_STEPS + 1)), "chain"), 1)
    cs = ContactState(email="ada@x.test", fields={})
    Engine(PublishedJourneys([p])).enroll(cs, "chain", datetime(2026, 12, 4, tzinfo=timezone.utc))
    [e] = cs.enrollments
    assert e.state == "error" and e.error == f"more than {MAX_STEPS} steps at once without a wait"


def test_an_errored_contact_in_a_simulation_carries_its_reason(tmp_path, capsys):
    (tmp_path / "people.csv").write_text("email\nada@x.test\n")
    path = tmp_path / "j.journey.json"
    path.write_text(json.dumps(manual({"id": "m", "kind": "action.email",
                                       "config": {"connector": "mail", "subject": "{{ 'a'*10**8 }}", "body": "-"}})))
    capsys.readouterr()
    assert main(["simulate", str(path), "--contacts", str(tmp_path / "people.csv"), "--days", "1", "--json"]) == 0
    [contact] = json.loads(capsys.readouterr().out)["contacts"]
    assert contact["state"] == "error" and "100,000,000 characters" in contact["error"]
