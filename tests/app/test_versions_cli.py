"""SPEC section 13 on the command line: publish with notes and who, history with the contacts on
each version, diff between any two, review and approval, and bad input in one line."""
import copy
import json
import sqlite3

import pytest

from switchback.app.cli import main

V1 = {
    "format": "switchback.journey/1", "key": "drip", "name": "Drip",
    "settings": {"priority": 10},
    "nodes": [
        {"id": "all", "kind": "trigger.manual", "config": {}, "position": [0, 0]},
        {"id": "hello", "kind": "action.email", "label": "Hello",
         "config": {"connector": "smtp", "subject": "Hello", "body": "Hi"}, "position": [0, 120]},
        {"id": "pause", "kind": "wait.delay", "config": {"duration": "7d"}, "position": [0, 240]},
        {"id": "tip", "kind": "action.email", "config": {"connector": "smtp", "subject": "A tip", "body": "."},
         "position": [0, 360]},
        {"id": "bonus", "kind": "action.score", "config": {"add": 5}, "position": [0, 480]},
    ],
    "edges": [{"from": "all", "to": "hello"}, {"from": "hello", "to": "pause"}, {"from": "pause", "to": "tip"},
              {"from": "tip", "to": "bonus"}],
}


def node(doc, node_id):
    return next(n for n in doc["nodes"] if n["id"] == node_id)


def versions_of_drip():
    """Four versions: each changes one kind of thing, and each moves a card (never a change)."""
    v2 = copy.deepcopy(V1)
    node(v2, "hello")["config"]["subject"] = "Hello {{ contact.first_name }}"
    node(v2, "pause")["position"] = [300, 240]
    v3 = copy.deepcopy(v2)
    v3["nodes"].append({"id": "survey", "kind": "action.email", "config": {"connector": "smtp", "subject": "How was it?",
                                                                          "body": "."}})
    v3["edges"] = [e for e in v3["edges"] if e["from"] != "tip"] + [{"from": "tip", "to": "survey"},
                                                                     {"from": "survey", "to": "bonus"}]
    node(v3, "tip")["position"] = [40, 400]
    v4 = copy.deepcopy(v3)
    v4["nodes"] = [n for n in v4["nodes"] if n["id"] != "bonus"]
    v4["edges"] = [e for e in v4["edges"] if e["to"] != "bonus"]
    v4["settings"]["priority"] = 20
    node(v4, "hello")["label"] = "Welcome"
    return [V1, v2, v3, v4]


def sw(capsys, *args):
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def ws(tmp_path, capsys):
    """drip published four times with notes, by two people; contacts on versions 1, 2 and 4."""
    ws = tmp_path / "ws.sqlite"
    people = tmp_path / "people.csv"
    people.write_text("email,first_name\n" + "".join(f"p{i}@shop.test,P{i}\n" for i in range(6)))
    assert sw(capsys, "import", people, "--workspace", ws)[0] == 0
    notes = ["First drip", "Greet by first name", "Survey instead of the bonus", "No bonus; higher priority"]
    enrolled = [["p0", "p1", "p2"], ["p3", "p4"], [], ["p5"]]
    for i, (doc, note, who) in enumerate(zip(versions_of_drip(), notes, enrolled)):
        f = tmp_path / f"v{i + 1}.journey.json"
        f.write_text(json.dumps(doc))
        code, out, err = sw(capsys, "publish", f, "--note", note, "--as", "ada" if i % 2 == 0 else "grace",
                            "--workspace", ws)
        assert (code, out, err) == (0, f"published drip version {i + 1}\n", "")
        if who:
            assert sw(capsys, "enroll", "drip", *[f"{p}@shop.test" for p in who], "--workspace", ws)[0] == 0
        assert sw(capsys, "run", "--until-idle", "--sync-every", "0", "--workspace", ws)[0] == 0
    return ws


def test_history_lists_each_version_with_who_the_note_and_its_contacts(ws, capsys):
    code, out, err = sw(capsys, "history", "drip", "--workspace", ws)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["version", "published", "(UTC)", "by", "contacts", "note"]
    rows = [(l.split()[0], l.split()[3], l.split()[4], " ".join(l.split()[5:])) for l in lines[1:]]
    assert rows == [("4", "grace", "1", "No bonus; higher priority"), ("3", "ada", "0", "Survey instead of the bonus"),
                    ("2", "grace", "2", "Greet by first name"), ("1", "ada", "3", "First drip")]


def test_diff_between_1_and_4_names_every_change_and_nothing_else(ws, capsys):
    code, out, _ = sw(capsys, "diff", "drip", "1", "4", "--json", "--workspace", ws)
    assert code == 0
    assert json.loads(out) == {
        "nodes": {"added": ["survey"], "removed": ["bonus"], "changed": {"hello": ["label", "subject"]}},
        "edges": {"added": [{"from": "tip", "to": "survey"}], "removed": [{"from": "tip", "to": "bonus"}]},
        "settings": ["priority"]}
    code, out, _ = sw(capsys, "diff", "drip", "1", "4", "--workspace", ws)
    assert out.splitlines() == [
        "drip: version 1 -> version 4",
        "  + node survey (action.email)",
        "  - node bonus (action.score)",
        "  ~ node hello (Welcome): label: 'Hello' -> 'Welcome'",
        "  ~ node hello (Welcome): subject: 'Hello' -> 'Hello {{ contact.first_name }}'",
        "  + edge tip --> survey",
        "  - edge tip --> bonus",
        "  ~ setting priority: 10 -> 20",
    ]


def test_diff_defaults_to_the_latest_version_and_the_draft(ws, tmp_path, capsys):
    assert sw(capsys, "diff", "drip", "--json", "--workspace", ws)[1] == (
        '{"nodes": {"added": [], "removed": [], "changed": {}}, "edges": {"added": [], "removed": []}, "settings": []}\n')
    assert sw(capsys, "diff", "drip", "3", "--json", "--workspace", ws)[1] == sw(capsys, "diff", "drip", "3", "4", "--json",
                                                                                "--workspace", ws)[1]


def snapshot(path):
    with sqlite3.connect(path) as conn:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                for t in ("journeys", "journey_versions", "approvals", "enrollments")]


@pytest.mark.parametrize("args, line", [
    (["diff", "nope"], "nope: no journey with this key in the workspace"),
    (["diff", "drip", "9"], "drip v9: no such version (drip has versions 1 to 4)"),
    (["diff", "drip", "1", "soon"], "drip soon: not a version: give its number (see switchback history) or draft"),
    (["history", "nope"], "nope: no journey with this key in the workspace"),
    (["approve", "drip", "--as", "grace"], "drip: review is not on for this journey (settings.review): publishing "
                                           "needs no approval"),
    (["approve", "nope"], "nope: no journey with this key in the workspace"),
])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(ws, capsys, args, line):
    before = snapshot(ws)
    assert sw(capsys, *args, "--workspace", ws) == (2, "", line + "\n")
    assert snapshot(ws) == before


def test_review_publish_waits_for_someone_elses_approval_and_an_edit_needs_a_new_one(tmp_path, capsys):
    ws = tmp_path / "ws.sqlite"
    doc = copy.deepcopy(V1)
    doc["settings"]["review"] = True
    f = tmp_path / "drip.journey.json"
    f.write_text(json.dumps(doc))
    code, out, _ = sw(capsys, "publish", f, "--as", "ada", "--workspace", ws)
    assert code == 1
    assert out == ("drip: not published: review is on and draft revision 1 is not approved; it is saved as the draft "
                   "awaiting approval by someone other than ada (History › Approve draft, or `switchback approve drip`)\n")
    assert sw(capsys, "diff", "drip", "--workspace", ws)[2] == (
        "drip: not published yet: there is no version to compare the draft with\n")

    assert sw(capsys, "approve", "drip", "--as", "ada", "--workspace", ws) == (
        1, "drip: ada edited this draft (revision 1) and cannot approve it; someone else must\n", "")
    assert sw(capsys, "approve", "drip", "--as", "grace", "--workspace", ws)[0] == 0
    code, out, _ = sw(capsys, "publish", f, "--note", "Reviewed", "--as", "ada", "--workspace", ws)
    assert (code, out) == (0, "published drip version 1\n")
    assert "ada, approved by grace" in sw(capsys, "history", "drip", "--workspace", ws)[1]

    # Approved, then edited: the approval no longer covers it.
    node(doc, "hello")["config"]["subject"] = "Hello again"
    f.write_text(json.dumps(doc))
    assert sw(capsys, "publish", f, "--as", "ada", "--workspace", ws)[0] == 1
    assert sw(capsys, "approve", "drip", "--as", "grace", "--workspace", ws)[0] == 0
    node(doc, "hello")["config"]["subject"] = "Hello at last"
    f.write_text(json.dumps(doc))
    code, out, _ = sw(capsys, "publish", f, "--as", "grace", "--workspace", ws)
    assert code == 1 and out.startswith("drip: not published: grace's approval was of revision 2 and the draft was "
                                        "edited since (revision 3, by grace)")
    assert "someone other than ada or grace" in out             # both edited it since version 1
    assert sw(capsys, "approve", "drip", "--as", "grace", "--workspace", ws)[0] == 1
    assert sw(capsys, "approve", "drip", "--as", "lin", "--workspace", ws)[0] == 0
    assert sw(capsys, "publish", "drip", "--as", "ada", "--workspace", ws)[1] == "published drip version 2\n"

    # Turning review off is itself a change someone else approves.
    del doc["settings"]["review"]
    f.write_text(json.dumps(doc))
    assert sw(capsys, "publish", f, "--as", "ada", "--workspace", ws)[0] == 1


def test_a_person_is_as_given_else_the_team_workspaces_user_else_the_login_name():
    import getpass

    from switchback.runtime.store.versions import person
    assert person("postgresql+psycopg://grace:secret@db.example.com/switchback", "bot") == "bot"
    assert person("postgresql+psycopg://grace:secret@db.example.com/switchback") == "grace"
    assert person("sqlite:///w.sqlite") == person(None) == getpass.getuser()


@pytest.mark.skipif(not __import__("tests.support.postgres", fromlist=["available"]).available(),
                    reason="PostgreSQL is not installed (.ci/run installs it)")
def test_review_history_and_diff_on_a_team_workspace(tmp_path, capsys):
    from tests.support import postgres
    doc = copy.deepcopy(V1)
    doc["settings"]["review"] = True
    f = tmp_path / "drip.journey.json"
    f.write_text(json.dumps(doc))
    with postgres.server() as url:
        assert sw(capsys, "publish", f, "--note", "First", "--db", url)[0] == 1   # saved by the URL's user, switchback
        assert sw(capsys, "approve", "drip", "--db", url)[0] == 1              # so switchback is an author
        assert sw(capsys, "approve", "drip", "--as", "grace", "--db", url)[0] == 0
        assert sw(capsys, "publish", f, "--note", "First", "--db", url)[1] == "published drip version 1\n"
        out = sw(capsys, "history", "drip", "--db", url)[1]
        assert "switchback, approved by grace" in out and out.rstrip().endswith("First")
        assert json.loads(sw(capsys, "diff", "drip", "--json", "--db", url)[1])["nodes"]["changed"] == {}
