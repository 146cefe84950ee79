"""Every cause of a traceback the attack run found (findings M6, L3, L4, L7), fed to every command that
reads it: one line on stderr and exit 2, never a traceback. A few commands answer a cause with the
exit they give for problems they report (validate: 1; audit lists an invalid journey in its page: 0);
their rows say so. The commands run in this process (main()), except where the cause is the
process's own limit (a full disk)."""
from __future__ import annotations

import hashlib
import json
import resource
import shutil
import sqlite3
import subprocess
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import DATA, ROOT, SWITCHBACK
from tests.connectors.fake_hubspot import FakeHubSpot
from tests.support.cli import sw

CONTACTS = DATA / "audit" / "contacts.csv"
JOURNEY = json.loads((DATA / "audit" / "trial-tips.journey.json").read_text())
DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "1" * 5_000
MANUAL = {"format": "switchback.journey/1", "key": "m", "name": "M", "edges": [{"from": "t", "to": "e"}],
          "nodes": [{"id": "t", "kind": "trigger.manual", "config": {}},
                    {"id": "e", "kind": "action.email", "config": {"connector": "smtp", "subject": "Hi", "body": "b"}}]}


def _journey(**change) -> str:
    """trial-tips with one change: node=(index, key, value) or a top-level key with raw JSON text."""
    data = json.loads(json.dumps(JOURNEY))
    if "node" in change:
        i, key, value = change.pop("node")
        data["nodes"][i][key] = value
    text = json.dumps(data)
    for key, raw in change.items():
        text = text[:-1] + f', "{key}": {raw}}}'
    return text


def _event(contact="a@x.com", type="seen", at="2026-03-11T10:00:00Z", raw_properties="{}") -> str:
    return f'{{"contact": {json.dumps(contact)}, "type": {json.dumps(type)}, "at": "{at}", "properties": {raw_properties}}}\n'


def _bundle(path: Path, manifest: dict | str, files: dict[str, bytes] = {}) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("bundle.json", manifest if isinstance(manifest, str) else json.dumps(manifest))
        for name, data in files.items():
            z.writestr(name, data)
    return path


def _corrupt(path: Path) -> None:
    """Break the contacts table's first page header, as a bad sector or a torn copy would."""
    with sqlite3.connect(path) as db:
        root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'contacts'").fetchone()[0]
        size = db.execute("PRAGMA page_size").fetchone()[0]
    with path.open("r+b") as f:
        f.seek((root - 1) * size + 3)
        f.write(b"\x0f\xff")                         # the page claims 4,095 cells


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """The hostile files, a workspace with contacts and a published journey, and the broken workspaces."""
    d = tmp_path_factory.mktemp("inputs")
    files = {
        "deep.journey.json": _journey(x=DEEP), "huge.journey.json": _journey(x=HUGE),
        "duration.journey.json": _journey(node=(2, "config", {"duration": "99999999999999999999d"})),
        "label.journey.json": _journey(node=(1, "label", 12)),
        "position.journey.json": _journey(node=(1, "position", "abc")),
        "infinite.journey.json": _journey(x="1e400"), "infinite.jsonl": _event(raw_properties='{"x": NaN}'),
        "infinite.json": '{"x": -Infinity}',
        "deep.jsonl": _event(raw_properties=f'{{"x": {DEEP}}}'),
        "huge.jsonl": _event(raw_properties=f'{{"x": {HUGE}}}'),
        "surrogate.jsonl": _event().replace('"seen"', '"seen\\ud800"'),       # JSON's escape of a lone surrogate
        "late.jsonl": _event(at="9999-12-31T23:00:00-05:00"),
        "deep.json": f'{{"x": {DEEP}}}', "huge.json": f'{{"x": {HUGE}}}',
        "m.journey.json": json.dumps(MANUAL),
        "inactive.journey.json": json.dumps({**MANUAL, "key": "quiet", "edges": [{"from": "t", "to": "e"}], "nodes": [
            {"id": "t", "kind": "trigger.inactive", "config": {"days": 3_000_000}}, MANUAL["nodes"][1]]}),
        "offset.journey.json": json.dumps({**MANUAL, "key": "dated", "nodes": [
            {"id": "t", "kind": "trigger.date", "config": {"field": "renewal_date", "offset": "-1000000w"}},
            MANUAL["nodes"][1]]}),
    }
    for name, text in files.items():
        (d / name).write_text(text)
    (d / "a-file").write_text("not a folder")
    journey = (d / "m.journey.json").read_bytes()
    sha = hashlib.sha256(journey).hexdigest()
    name = "journeys/m.journey.json"
    base = {"format": "switchback.bundle/1", "name": "b", "journeys": ["m"], "connectors": [], "files": {name: sha}}
    _bundle(d / "connectors-text.swbundle", {**base, "connectors": "abc"}, {name: journey})
    _bundle(d / "connectors-numbers.swbundle", {**base, "connectors": [1, 2]}, {name: journey})
    _bundle(d / "files-list.swbundle", {**base, "files": [name]}, {name: journey})
    _bundle(d / "latin1.swbundle", {**base, "files": {name: hashlib.sha256(b"\xff\xfe{").hexdigest()}}, {name: b"\xff\xfe{"})
    _bundle(d / "deep.swbundle", '{"format": "switchback.bundle/1", "x": ' + DEEP + "}")
    _bundle(d / "huge.swbundle", '{"format": "switchback.bundle/1", "x": ' + HUGE + "}")

    ws = d / "ws.sqlite"
    assert sw("import", CONTACTS, "--workspace", ws)[0] == 0
    assert sw("publish", d / "m.journey.json", "--workspace", ws)[0] == 0
    poisoned = d / "poisoned.sqlite"                  # published past validation, as an older version allowed
    from switchback.runtime.document import load
    from switchback.runtime.store import repository as repo
    from switchback.runtime.store.workspace import open_store
    from datetime import datetime, timezone
    store = open_store(poisoned)
    with store.session() as s:
        repo.import_contacts(s, [{"email": "ada@x.com", "renewal_date": "2026-05-01"}], datetime.now(timezone.utc))
        for j in ("inactive", "offset"):
            repo.publish(s, load(d / f"{j}.journey.json"), datetime.now(timezone.utc))
    store.close()
    with sqlite3.connect(ws) as db:                  # everything in the file itself before it is copied
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(ws, d / "damaged.sqlite")
    _corrupt(d / "damaged.sqlite")
    (d / "empty.sqlite").touch()

    keyring = pytest.MonkeyPatch()
    keyring.setenv("SWITCHBACK_TEST_KEYRING", str(d / "keyring.json"))
    import keyring as kr
    from tests.support.keyring_backend import FileKeyring
    before = kr.get_keyring()
    kr.set_keyring(FileKeyring())
    with FakeHubSpot(contacts=1) as hubspot:
        assert sw("connector", "add", "crm", "--kind", "hubspot", "--set", f"base_url={hubspot.url}",
                  "--secret", "access_token", "--workspace", ws, stdin=hubspot.token + "\n")[0] == 0
        yield SimpleNamespace(dir=d, ws=ws, hubspot=hubspot)
    kr.set_keyring(before)
    keyring.undo()


T, C, W = "{d}/trial.journey.json", str(CONTACTS), "{ws}"
EVERY_KIND = str(DATA / "every-kind.journey.json")
MYSQL = "mysql://someone@127.0.0.1/switchback"

# cause -> (command line, the exits it may give; 2 unless said)
CASES = {
    # JSON nested 100,000 deep, an integer of 5,000 digits, numbers no float holds (1e400, NaN, -Infinity)
    **{f"{what} journey: {cmd[0]}": (cmd, {2}) for what in ("deep", "huge", "infinite") for cmd in [
        ["validate", f"{{d}}/{what}.journey.json"],
        ["publish", f"{{d}}/{what}.journey.json", "--workspace", W],
        ["export-image", f"{{d}}/{what}.journey.json", "{d}/out.png"],
        ["audit", f"{{d}}/{what}.journey.json", "-o", "{d}/out.html"],
        ["simulate", f"{{d}}/{what}.journey.json", "--contacts", C]]},
    **{f"{what} events: {cmd[0]}": (cmd, {2}) for what in ("deep", "huge", "infinite", "surrogate", "late") for cmd in [
        ["events", f"{{d}}/{what}.jsonl", "--workspace", W],
        ["simulate", EVERY_KIND, "--contacts", C, "--events", f"{{d}}/{what}.jsonl"],
        ["audit", EVERY_KIND, "--contacts", C, "--events", f"{{d}}/{what}.jsonl", "-o", "{d}/out.html"]]},
    **{f"{what} file: convert {platform}": (["convert", f"{{d}}/{what}.json", "--from", platform, "-o", "{d}/o.journey.json"], {2})
       for what in ("deep", "huge", "infinite") for platform in ("mautic", "dittofeed", "hubspot")},
    # (bundle.json's own checks are the bundles work's: here only one line and exit 2)
    **{f"bundle.json {what}: bundle import": (["bundle", "import", f"{{d}}/{what}.swbundle", "--workspace", W], {2})
       for what in ("deep", "huge")},
    # a duration of 99999999999999999999d: a problem of the journey, reported as validate reports problems
    "duration: validate": (["validate", "{d}/duration.journey.json"], {1}),
    "duration: publish": (["publish", "{d}/duration.journey.json", "--workspace", W], {2}),
    "duration: audit": (["audit", "{d}/duration.journey.json", "-o", "{d}/out.html"], {0}),
    "duration: simulate": (["simulate", "{d}/duration.journey.json", "--contacts", C], {2}),
    # dates past the calendar: refused by validation once it knows them (then simulate says so, audit
    # lists them, run parks the contact) — until then one line, never a traceback
    **{f"{j} overflow: {cmd[0]}": (cmd, {0, 2}) for j in ("inactive", "offset") for cmd in [
        ["simulate", f"{{d}}/{j}.journey.json", "--contacts", C, "--start", "2026-03-01T00:00:00Z"],
        ["audit", f"{{d}}/{j}.journey.json", "--contacts", C, "--start", "2026-03-01T00:00:00Z", "-o", "{d}/out.html"]]},
    "date overflow: run": (["run", "--until-idle", "--workspace", "{d}/poisoned.sqlite"], {0, 2}),
    # enroll --where that fails on a contact
    "enroll --where compares text with a number": (["enroll", "m", "--where", "contact.first_name > 5", "--workspace", W], {2}),
    "enroll --where reaches a hidden attribute": (["enroll", "m", "--where", "contact|attr('_data')", "--workspace", W], {2}),
    # a label or a position of the wrong type
    **{f"{what}: {cmd[0]}": (cmd, {2}) for what in ("label", "position") for cmd in [
        ["validate", f"{{d}}/{what}.journey.json"],
        ["export-image", f"{{d}}/{what}.journey.json", "{d}/out.png"],
        ["publish", f"{{d}}/{what}.journey.json", "--workspace", W],
        ["simulate", f"{{d}}/{what}.journey.json", "--contacts", C],
        ["audit", f"{{d}}/{what}.journey.json", "-o", "{d}/out.html"]]},
    # bundle.json of the wrong shape, a journey that is not UTF-8: the bundle's problems (SPEC 7: one
    # line, exit 1) — or bad input (exit 2)
    **{f"bundle {what}: bundle import": (["bundle", "import", f"{{d}}/{what}.swbundle", "--workspace", W], {1, 2})
       for what in ("connectors-text", "connectors-numbers", "files-list", "latin1")},
    # HubSpot answering results that are not records
    "hubspot results text: sync": (["sync", "crm", "--no-push", "--workspace", W], {2}),
    "hubspot results numbers: sync": (["sync", "crm", "--no-push", "--workspace", W], {2}),
    # --days and --start no simulation can run on
    **{f"--days {days}: {cmd[0]}": (cmd + ["--days", days], {2}) for days in ("nan", "inf", "1e12", "-5", "0")
       for cmd in [["simulate", T, "--contacts", C], ["audit", T, "-o", "{d}/out.html"]]},
    **{f"--start {start}: {cmd[0]}": (cmd + ["--start", start], {2})
       for start in ("9999-12-31T00:00:00Z", "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+01:00")
       for cmd in [["simulate", T, "--contacts", C], ["audit", T, "--contacts", C, "-o", "{d}/out.html"],
                   ["run", "--fast-forward", "--workspace", "{d}/ff.sqlite"]]},
    # an output that cannot be written (under a file: root may write anywhere else)
    "unwritable -o: bundle export": (["bundle", "export", "m", "-o", "{d}/a-file/b.swbundle", "--workspace", W], {2}),
    "unwritable -o: audit": (["audit", T, "-o", "{d}/a-file/r.html"], {2}),
    "unwritable -o: export-image": (["export-image", T, "{d}/a-file/i.png"], {2}),
    "unwritable -o: convert": (["convert", str(DATA / "convert/mautic/docs-get-campaign.json"), "--from", "mautic",
                                "-o", "{d}/a-file/o.journey.json"], {2}),
    # damaged, empty and missing workspaces, and a database without its driver
    **{f"{what} workspace: {cmd[0]}": (cmd + ["--workspace", f"{{d}}/{what}.sqlite"], {2})
       for what in ("damaged", "empty", "missing/nested") for cmd in [
           ["run", "--until-idle"], ["trace", "ada.lovelace@example.com"], ["import", C], ["events", "{d}/../ok.jsonl"],
           ["audit", "-o", "{d}/out.html"], ["bundle", "export", "m", "-o", "{d}/x.swbundle"], ["enroll", "m", "a@x.com"]]
       if not (what == "missing/nested" and cmd[0] in ("import", "events", "run"))},
    **{f"--db mysql: {cmd[0]}": (cmd + ["--db", MYSQL], {2}) for cmd in [
        ["import", C], ["events", "{d}/../ok.jsonl"], ["publish", "{d}/m.journey.json"], ["enroll", "m", "a@x.com"],
        ["workspace", "set", "timezone=UTC"], ["run", "--until-idle"], ["trace", "a@x.com"],
        ["connector", "add", "x", "--kind", "record"], ["bundle", "export", "m", "-o", "{d}/x.swbundle"],
        ["audit", "-o", "{d}/out.html"], ["sync", "crm"]]},
}
# the causes whose line must say what is wrong, not only that something was (the edge's catch-all)
SAYS = {"damaged workspace": "the workspace file is damaged (PRAGMA quick_check", "empty workspace": "is empty (0 bytes)",
        "missing/nested workspace": "no such workspace", "--db mysql": "driver MySQLdb is not installed",
        "deep": "nested more than 64 deep", "huge": "more than 4,300 digits", "infinite": "is not a number Switchback can count with", "surrogate": "lone surrogate",
        "late events": "is outside the calendar", "--days": "--days: ", "--start": "--start: ",
        "enroll": "--where: ada.lovelace@example.com: condition", "label": '"label" must be text',
        "position": '"position" must be [x, y]', "duration": "is longer than 100 years",
        "hubspot": "are not contact records", "unwritable": "a-file"}
SETUP = {"hubspot results text: sync": {"results": "abc"}, "hubspot results numbers: sync": {"results": [1, 2]}}


@pytest.mark.parametrize("case", list(CASES))
def test_each_cause_is_one_line_on_stderr_and_exit_2(case, box):
    argv, exits = CASES[case]
    (box.dir / "trial.journey.json").write_text(json.dumps(JOURNEY))
    (box.dir.parent / "ok.jsonl").write_text(_event())
    (box.dir / "out.png").unlink(missing_ok=True)
    if case in SETUP:
        box.hubspot.fail(200, SETUP[case])
    rc, out, err = sw(*[a.format(d=box.dir, ws=box.ws) for a in argv])
    assert rc in exits, (rc, out, err)
    assert "Traceback" not in out + err
    lines = err.strip().splitlines() if rc == 2 else out.strip().splitlines() if rc == 1 else []
    assert len(lines) == 1 or (rc == 0 and not err.strip()), (rc, out, err)
    said = [words for start, words in SAYS.items() if case.startswith(start) and rc != 0]
    assert all(words in out + err for words in said), (said, out, err)
    assert not (box.dir / "missing").exists()                # a command that only reads makes no workspace
    assert (box.dir / "empty.sqlite").stat().st_size == 0    # an empty file is reported, not made a workspace
    assert rc == 0 or not (box.dir / "out.png").exists()     # a command that failed leaves no empty image


def _limited(*args, size: int) -> subprocess.CompletedProcess:
    """The command with files limited to `size` bytes: writing past it fails as on a full disk (EFBIG)."""
    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return subprocess.run([*SWITCHBACK, *map(str, args)], cwd=ROOT, preexec_fn=limit, capture_output=True,
                          text=True, timeout=120)


def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path):
    many = tmp_path / "many.csv"
    many.write_text("email,first_name\n" + "".join(f"p{i}@x.test,P{i}\n" for i in range(20_000)))
    events = tmp_path / "many.jsonl"
    events.write_text("".join(_event(contact=f"p{i}@x.test") for i in range(20_000)))
    ws = tmp_path / "ws.sqlite"
    assert sw("import", CONTACTS, "--workspace", ws)[0] == 0
    assert sw("publish", _write(tmp_path / "m.journey.json", MANUAL), "--workspace", ws)[0] == 0
    assert sw("enroll", "m", "--where", "contact.score >= 0", "--workspace", ws)[0] == 0
    for args in (["import", many], ["events", events], ["run", "--until-idle"]):
        p = _limited(*args, "--workspace", ws, size=ws.stat().st_size + 4096)
        assert p.returncode == 2, p.stderr
        assert "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1, p.stderr
        assert "cannot write the workspace" in p.stderr and "is the disk full?" in p.stderr
    with sqlite3.connect(ws) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("SELECT count(*) FROM contacts").fetchone() == (30,)     # the import rolled back whole


def _write(path: Path, data: dict) -> Path:
    path.write_text(json.dumps(data))
    return path


def test_a_big_workspace_opened_only_to_read_is_checked_whole_once_a_day(box, monkeypatch, capsys, tmp_path):
    """Over FULL_CHECK_BYTES, trace/report/audit skip reading every page (a 1.4 GB file's full check
    costs seconds) only when the whole file passed a check in the last day; otherwise, and for every
    command that writes, the damage is found on opening and said in one line."""
    from switchback.app.cli import main
    from switchback.runtime.store import workspace
    monkeypatch.setattr(workspace, "FULL_CHECK_BYTES", 0)       # every file is "big" here
    ws = tmp_path / "w.sqlite"
    shutil.copy(box.dir / "damaged.sqlite", ws)
    assert main(["trace", "ada.lovelace@example.com", "--workspace", str(ws)]) == 2     # never checked: checked now
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "the workspace file is damaged (PRAGMA quick_check" in err[0], err

    def stamp(at: datetime) -> None:
        with sqlite3.connect(ws) as db:
            db.execute("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", (workspace.CHECKED, json.dumps(at.isoformat())))
    stamp(datetime.now(timezone.utc) - timedelta(hours=25))          # checked, but more than a day ago
    assert main(["report", "--json", "--workspace", str(ws)]) == 2
    assert "PRAGMA quick_check" in capsys.readouterr().err
    stamp(datetime.now(timezone.utc) - timedelta(hours=1))           # checked an hour ago: header and schema only
    store = workspace.open_store(ws, create=False, reads_only=True)
    store.close()
    assert main(["run", "--until-idle", "--workspace", str(ws)]) == 2    # a command that writes checks it whole
    assert "the workspace file is damaged (PRAGMA quick_check" in capsys.readouterr().err
