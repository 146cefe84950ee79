"""`switchback outbox`: what has not gone out and why, and a person's resend or dismiss, recorded in
the contact's trace; bad input is one line, exit 2, and changes nothing."""
import getpass
import json
import os
import sqlite3
import subprocess

import pytest

from switchback.app.cli import main
from tests.conftest import ROOT, SWITCHBACK
from tests.connectors.servers import FakeSMTP
from tests.support import outbox_scene, postgres


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    with FakeSMTP() as server:
        yield outbox_scene.build(tmp_path_factory.mktemp("scene"), server)


@pytest.fixture
def ws(scene, tmp_path):
    scene.server.received.clear()
    return scene.copy(tmp_path)


def cli(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def table(ws, name):
    with sqlite3.connect(ws) as c:
        return c.execute(f"SELECT * FROM {name} ORDER BY id").fetchall()


def test_the_list_shows_every_message_not_gone_out_with_its_state_and_reason(ws, scene, capsys):
    code, out, err = cli(capsys, "outbox", "--workspace", ws)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "4 messages not gone out: 1 queued, 1 failed, 1 uncertain, 1 sending."
    assert lines[1].split() == ["ID", "STATUS", "SINCE", "CONTACT", "JOURNEY", "›", "STEP", "CHANNEL"]
    shown = {int(row.split()[0]): (row.split()[1:], reason.strip()) for row, reason in zip(lines[2:10:2], lines[3:10:2])}
    assert sorted(shown) == sorted(i for state, i in scene.ids.items() if state != "sent")
    for state, i in scene.ids.items():
        if state != "sent":
            cells, _ = shown[i]
            assert cells[0] == state and cells[4] == f"{outbox_scene.PEOPLE[state]}@shop.test"
            assert cells[5:] == ["welcome", "›", "Welcome", "email", "email", "via", "mail"]
    reason = {state: shown[i][1] for state, i in scene.ids.items() if state != "sent"}
    assert reason["uncertain"] == f"{outbox_scene.DIED}. It may have arrived: check before resending"
    assert "550 5.1.1" in reason["failed"] and "User unknown" in reason["failed"]
    assert reason["queued"].startswith("try 1 did not go through (") and "451 4.3.0 Mailbox busy" in reason["queued"]
    assert "it is tried again at " in reason["queued"]
    assert reason["sending"] == "being handed over now"
    assert "switchback outbox resend ID..." in out and "arrive twice" in out


@pytest.mark.parametrize("status", ["queued", "sending", "uncertain", "failed"])
def test_status_picks_the_messages_in_that_state(ws, scene, capsys, status):
    code, out, err = cli(capsys, "outbox", "--status", status, "--json", "--workspace", ws)
    assert (code, err) == (0, "")
    [row] = json.loads(out)
    assert (row["id"], row["status"], row["journey"], row["node"], row["label"], row["channel"], row["connector"]) == \
        (scene.ids[status], status, "welcome", "mail", "Welcome email", "email", "mail")
    assert row["contact"] == f"{outbox_scene.PEOPLE[status]}@shop.test" and row["reason"] and row["attempts"] == 1
    assert row["since"].endswith("+00:00")


def trace(capsys, ws, who):
    where = ws if isinstance(ws, list) else ["--workspace", ws]
    code, out, _ = cli(capsys, "trace", f"{who}@shop.test", *where)
    assert code == 0
    return out.splitlines()


def test_resend_hands_an_uncertain_message_over_again_once_and_the_trace_says_who(ws, scene, capsys):
    uncertain = scene.ids["uncertain"]
    with sqlite3.connect(ws) as c:
        key = c.execute("SELECT key FROM outbox WHERE id = ?", (uncertain,)).fetchone()[0]
    code, out, err = cli(capsys, "outbox", "resend", str(uncertain), "--workspace", ws)
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"{uncertain}  email 'Welcome email' to cy@shop.test: queued again (it was uncertain)"
    _, listed, _ = cli(capsys, "outbox", "--status", "uncertain", "--workspace", ws)
    assert listed == "No uncertain messages.\n"
    assert cli(capsys, "run", "--until-idle", "--sync-every", "0", "--workspace", ws)[0] == 0
    assert [m.rcpt_tos for m in scene.server.received] == [["cy@shop.test"]]
    assert scene.server.received[0].message["Subject"] == "Welcome, Cy"
    with sqlite3.connect(ws) as c:
        assert c.execute("SELECT key, status, attempts FROM outbox WHERE id = ?", (uncertain,)).fetchone() == (key, "sent", 1)
    lines = trace(capsys, ws, "cy")
    assert lines[-1].split(None, 5)[3:] == ["welcome/mail", "resent", f"email 'Welcome email' (message {uncertain}) resent by "
                                           f"{getpass.getuser()} after it was left uncertain"]
    assert "email to cy@shop.test via mail at " in next(line for line in lines if " sent " in line)


def test_resend_all_uncertain_leaves_failed_and_queued_ones_alone(ws, scene, capsys):
    before = {r[0]: r for r in table(ws, "outbox")}
    code, out, err = cli(capsys, "outbox", "resend", "--all-uncertain", "--json", "--workspace", ws)
    assert (code, json.loads(out), err) == (0, {"resent": [scene.ids["uncertain"]]}, "")
    after = {r[0]: r for r in table(ws, "outbox")}
    assert [i for i in after if after[i] != before[i]] == [scene.ids["uncertain"]]
    assert cli(capsys, "outbox", "resend", "--all-uncertain", "--workspace", ws)[1] == "No uncertain messages to resend.\n"


def test_dismiss_closes_a_failed_message_for_good_and_the_trace_says_who(ws, scene, capsys):
    failed = scene.ids["failed"]
    code, out, err = cli(capsys, "outbox", "dismiss", str(failed), "--workspace", ws)
    assert (code, out, err) == (0, f"{failed}  email 'Welcome email' to bob@shop.test: dismissed; it will not be sent\n", "")
    listed = json.loads(cli(capsys, "outbox", "--json", "--workspace", ws)[1])
    assert failed not in [r["id"] for r in listed] and len(listed) == 3
    scene.server.refuse.discard("bob@shop.test")
    try:
        assert cli(capsys, "run", "--until-idle", "--sync-every", "0", "--workspace", ws)[0] == 0
    finally:
        scene.server.refuse.add("bob@shop.test")
    assert scene.server.received == []
    lines = trace(capsys, ws, "bob")
    assert lines[-1].endswith(f"dismissed  email 'Welcome email' (message {failed}) dismissed by {getpass.getuser()} "
                              "after it failed; it will not be sent")


BAD = [
    (["resend", "{sent}"], "message {sent}: was delivered; nothing to resend"),
    (["resend", "{queued}"], "message {queued}: is queued, not uncertain or failed; only those can be resent"),
    (["dismiss", "{sending}"], "message {sending}: is sending, not uncertain or failed; only those can be dismissed"),
    (["resend", "{uncertain}", "999"], "message 999: no such message in the workspace"),
    (["dismiss", "{failed}", "x7"], "outbox dismiss: 'x7' is not a message id (the numbers `switchback outbox` lists)"),
    (["resend", "99999999999999999999999"], "outbox resend: '99999999999999999999999' is not a message id (the numbers "
                                           "`switchback outbox` lists)"),
    (["resend", "\u00b2"], "outbox resend: '\u00b2' is not a message id (the numbers `switchback outbox` lists)"),
    (["dismiss"], "outbox dismiss: give the ids of the messages (from `switchback outbox`)"),
    (["resend"], "outbox resend: give the ids of the messages (from `switchback outbox`) or --all-uncertain"),
    (["resend", "{uncertain}", "--all-uncertain"], "outbox resend: give the ids of the messages (from `switchback "
                                                   "outbox`) or --all-uncertain"),
    (["dismiss", "--all-uncertain"], "--all-uncertain: goes with `outbox resend`"),
    (["--status", "pending"], "--status: 'pending' is not a status: use queued, sending, uncertain, failed"),
    (["resend", "{failed}", "--status", "failed"], "--status: lists messages; `outbox resend` takes ids"),
    (["forget", "{failed}"], "outbox: unknown action 'forget' (use: outbox, outbox resend ID..., outbox dismiss ID...)"),
]


@pytest.mark.parametrize("args,line", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_and_changes_nothing(ws, scene, capsys, args, line):
    before = table(ws, "outbox"), table(ws, "steps")
    code, out, err = cli(capsys, "outbox", *[a.format(**scene.ids) for a in args], "--workspace", ws)
    assert (code, out, err) == (2, "", line.format(**scene.ids) + "\n")
    assert (table(ws, "outbox"), table(ws, "steps")) == before


def test_reading_opens_a_workspace_and_never_makes_one(tmp_path):
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(tmp_path / "home")}
    cases = [(["--workspace", str(tmp_path / "typo" / "w.sqlite")], f"{tmp_path / 'typo' / 'w.sqlite'}: no such workspace"),
             (["--workspace", str(tmp_path)], f"{tmp_path}: is a folder, not a workspace"),
             (["--workspace", str(empty)], f"{empty}: is not a Switchback workspace"),
             ([], f"{tmp_path / 'data' / 'Switchback' / 'workspace.sqlite'}: no such workspace")]
    for args, line in cases:
        p = subprocess.run([*SWITCHBACK, "outbox", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert (p.returncode, p.stdout, p.stderr) == (2, "", line + "\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"] and empty.read_bytes() == b""


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed (.ci/run installs it)")
def test_the_same_review_on_postgresql(tmp_path, capsys):
    from sqlalchemy.engine import make_url

    from tests.runtime.test_postgres import fresh_db
    with postgres.server() as server, FakeSMTP() as smtp:
        url = fresh_db(server, "review")
        ids = outbox_scene.build(tmp_path, smtp, db=url).ids
        capsys.readouterr()
        listed = json.loads(cli(capsys, "outbox", "--json", "--db", url)[1])
        assert {r["id"]: r["status"] for r in listed} == {i: state for state, i in ids.items() if state != "sent"}
        assert cli(capsys, "outbox", "resend", str(ids["uncertain"]), str(ids["sent"]), "--db", url)[:2] == (2, "")
        assert cli(capsys, "outbox", "resend", "--all-uncertain", "--json", "--db", url)[1] == \
            json.dumps({"resent": [ids["uncertain"]]}) + "\n"
        assert cli(capsys, "outbox", "dismiss", str(ids["failed"]), "--db", url)[0] == 0
        assert cli(capsys, "run", "--until-idle", "--sync-every", "0", "--db", url)[0] == 0
        assert [m.rcpt_tos for m in smtp.received] == [["cy@shop.test"]]
        lines = trace(capsys, ["--db", url], "cy")
        who = make_url(url).username                             # a team workspace's user (SPEC 13)
        assert lines[-1].endswith(f"resent by {who} after it was left uncertain")
