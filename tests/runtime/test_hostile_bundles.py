"""Hostile bundles (attack run 2026-12-04, C1 C2 H5 M2 L5) through `switchback bundle import` and
`export`: each is refused in one line naming the bundle and the entry, exit 1, and the disk and the
workspace are exactly as they were. The client's workspace sits two folders down from the test's
folder, so a path that climbs out of its assets folder still lands where the snapshot looks."""
import hashlib
import json
import sqlite3
import time
import tracemalloc
from datetime import datetime, timezone

import pytest

from switchback.runtime import document
from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import open_store
from tests.runtime.bundle_kit import MB, journey, journey_entry, manifest, sw, tables, tree, write_bundle, write_raw_zip

SECRET = "client-pass-0451"


@pytest.fixture
def client(tmp_path, test_keyring):
    ws = tmp_path / "home" / "work" / "client.sqlite"
    ws.parent.mkdir(parents=True)
    assert sw("connector", "add", "mail", "--kind", "smtp", "--set", "host=smtp.client.example", "--set", "port=465",
              "--set", "from=news@client.example", "--set", "tls=tls", "--secret", "password",
              "--workspace", ws, stdin=SECRET + "\n") == 0
    assets = ws.parent / "client.sqlite.assets"
    assets.mkdir()
    (assets / "logo.png").write_bytes(b"the client's own logo")
    return ws


def refused(tmp_path, ws, capsys, *args, code: int = 1) -> str:
    """Run the command; it must fail with `code` in one line and change nothing. Returns the line."""
    before = tree(tmp_path), tables(ws)
    capsys.readouterr()
    assert sw(*args, "--workspace", ws) == code
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    assert len(lines) == 1, lines
    assert (tree(tmp_path), tables(ws)) == before
    return lines[0]


HOSTILE = {
    # C1: the attack run's three entries, each with its true hash in bundle.json
    "zip-slip": ([("assets/../../../PWNED_slip.txt", b"pwned")], {}, "leaves assets/ (..)"),
    "absolute": ([("assets/{tmp}/PWNED_abs.txt", b"pwned")], {}, "is an absolute path"),
    "backslash": ([("assets/..\\..\\..\\PWNED_bs.txt", b"pwned")], {}, "has a backslash"),
    "drive letter": ([("assets/C:/PWNED.txt", b"pwned")], {}, "has a drive letter"),
    "symlink": ([("assets/up", b"../../..")], {"symlinks": ("assets/up",)}, "is a symbolic link"),
    "unexpected entry": ([("run-me.sh", b"rm -rf ~")], {}, "is not a bundle entry"),
    # L5: two copies of one entry (unzip shows the first, the old import took the last)
    "duplicate entry": ([journey_entry(html="<p>the one you reviewed</p>")], {}, "is in the bundle twice"),
    # M2: a file that is also a folder: the old import committed the draft, then failed writing
    "file and folder": ([("assets/a.txt", b"a"), ("assets/a.txt/b.txt", b"b")], {},
                        "needs assets/a.txt to be a folder"),
    # C2's abuse: a journey that would make the client's next export ship their keyring
    "planted journey": ([journey_entry("evil2", html='<img src="assets/../../../keyring.json">')],
                        {"journeys": ("evil1", "evil2")},
                        "journeys/evil2.journey.json:mail: refers to assets/../../../keyring.json"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_bundle_is_refused_in_one_line_and_changes_nothing(client, tmp_path, capsys, case):
    entries, options, fragment = HOSTILE[case]
    entries = [(name.replace("{tmp}", str(tmp_path)), data) for name, data in entries]
    bundle = write_bundle(tmp_path / f"{case}.swbundle", [journey_entry(), *entries], **options)
    line = refused(tmp_path, client, capsys, "bundle", "import", bundle)
    assert line.startswith(f"{bundle}:") and fragment in line, line
    assert not list(tmp_path.rglob("PWNED*"))


def test_a_journey_key_that_disagrees_with_bundle_json_is_refused(client, tmp_path, capsys):
    """L5: bundle.json announces `a`; the file holds `eo`, whose draft the old import overwrote."""
    mine = tmp_path / "eo.journey.json"
    mine.write_text(json.dumps(journey("eo", html="<p>the client's own</p>")))
    assert sw("publish", mine, "--workspace", client) == 0
    _, data = journey_entry("eo")
    bundle = write_bundle(tmp_path / "keys.swbundle", [("journeys/a.journey.json", data)], journeys=("a",))
    line = refused(tmp_path, client, capsys, "bundle", "import", bundle)
    assert line == f"{bundle}:journeys/a.journey.json: holds journey 'eo', not 'a' as its name and bundle.json say"


def test_a_zip_bomb_is_refused_before_it_is_inflated(client, tmp_path, capsys):
    """H5: 3 GB of zeros in a 3 MB bundle. The old import inflated all of it (6.4 GB, 19 s)."""
    name, data = journey_entry()
    listed = {name: hashlib.sha256(data).hexdigest(), "assets/zeros.bin": "0" * 64}
    bundle = write_raw_zip(tmp_path / "bomb.swbundle", [("bundle.json", manifest([], ["evil1"], files=listed)),
                                                        (name, data)], {"assets/zeros.bin": (3000 * MB, 3000 * MB)})
    assert bundle.stat().st_size < 4 * MB
    tracemalloc.start()
    started = time.perf_counter()
    try:
        line = refused(tmp_path, client, capsys, "bundle", "import", bundle)
        seconds, peak = time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert line == f"{bundle}:assets/zeros.bin: is 3,000.0 MB uncompressed; an entry may be at most 20.0 MB"
    assert peak < 16 * MB and seconds < 5, (peak, seconds)


def test_bundles_over_the_limits_are_refused_from_the_zip_directory(client, tmp_path, capsys):
    many = write_bundle(tmp_path / "many.swbundle", [journey_entry()] + [(f"assets/{i}.txt", b"x") for i in range(2000)])
    assert refused(tmp_path, client, capsys, "bundle", "import", many) == \
        f"{many}: has 2,002 entries; a bundle may hold at most 2,000"
    crowd = write_bundle(tmp_path / "crowd.swbundle", [journey_entry()] + [(f"assets/{i}.txt", b"") for i in range(100_000)])
    tracemalloc.start()
    try:
        line = refused(tmp_path, client, capsys, "bundle", "import", crowd)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert line == f"{crowd}: has more entries than a bundle may hold (2,000)" and peak < 16 * MB, peak
    name, data = journey_entry()
    big = {f"assets/{i}.bin": (18 * MB, 18 * MB) for i in range(6)}
    listed = {name: hashlib.sha256(data).hexdigest(), **{n: "0" * 64 for n in big}}
    heavy = write_raw_zip(tmp_path / "heavy.swbundle", [("bundle.json", manifest([], ["evil1"], files=listed)),
                                                        (name, data)], big)
    assert refused(tmp_path, client, capsys, "bundle", "import", heavy) == \
        f"{heavy}: holds more than 100.0 MB uncompressed; a bundle may hold at most that"


def test_a_zip_directory_that_understates_a_size_is_caught_reading_the_entry(client, tmp_path, capsys):
    """The directory says 1,000 bytes of an entry that inflates to 3 GB: reading stops at 1,000."""
    name, data = journey_entry()
    listed = {name: hashlib.sha256(data).hexdigest(), "assets/liar.bin": hashlib.sha256(bytes(1000)).hexdigest()}
    bundle = write_raw_zip(tmp_path / "liar.swbundle", [("bundle.json", manifest([], ["evil1"], files=listed)),
                                                        (name, data)], {"assets/liar.bin": (3000 * MB, 1000)})
    started = time.perf_counter()
    line = refused(tmp_path, client, capsys, "bundle", "import", bundle)
    assert line.startswith(f"{bundle}:assets/liar.bin: is damaged (BadZipFile: Bad CRC-32") and time.perf_counter() - started < 5


@pytest.mark.parametrize("how,fragment", [
    ("connectors text", 'bundle.json: "connectors" must be a list'),
    ("connectors numbers", 'bundle.json: "connectors" must be a list'),
    ("files list", 'bundle.json: "files" must map each path'),
    ("not UTF-8", "journeys/evil1.journey.json: not UTF-8 text"),
])
def test_a_malformed_bundle_json_or_journey_is_one_line(client, tmp_path, capsys, how, fragment):
    entries, changes = [journey_entry()], {}
    if how == "connectors text":
        changes = {"connectors": "abc"}
    elif how == "connectors numbers":
        changes = {"connectors": [1, 2]}
    elif how == "files list":
        changes = {"files": ["journeys/evil1.journey.json"]}
    else:
        entries = [("journeys/evil1.journey.json", b'{"key": "\xff"}')]
    bundle = write_bundle(tmp_path / "bad.swbundle", entries, **changes)
    assert fragment in refused(tmp_path, client, capsys, "bundle", "import", bundle)


def plant(ws, html: str) -> None:
    """A journey put straight into the store, as a hostile bundle or an older Switchback could
    have left it: no validation on the way."""
    store = open_store(ws)
    with store.session() as s:
        repo.publish(s, document.from_dict(journey("leak", html=html)), datetime.now(timezone.utc))
    store.close()


@pytest.mark.parametrize("reference,fragment", [
    ("assets/../../../keyring.json", "leak:mail: refers to assets/../../../keyring.json, which leaves assets/ (..)"),
    ("assets/{tmp}/keyring.json", "leak:mail: refers to assets/{tmp}/keyring.json, which is an absolute path"),
    ("assets/..\\..\\..\\keyring.json", "leak:mail: refers to assets/..\\..\\..\\keyring.json, which has a backslash"),
    ("assets/link.png", "leak:mail: refers to assets/link.png, a link that leads outside the workspace's assets folder"),
])
def test_an_export_never_reads_outside_the_assets_folder(client, tmp_path, capsys, reference, fragment):
    """C2: a journey mentioning assets/../keyring.json used to validate, publish, and export the
    keyring file with every secret in it. Validation refuses the text; an export refuses it even
    from the store, and refuses a link in the assets folder that leads out."""
    reference, fragment = reference.replace("{tmp}", str(tmp_path)), fragment.replace("{tmp}", str(tmp_path))
    (client.parent / "client.sqlite.assets" / "link.png").symlink_to(tmp_path / "keyring.json")
    html = f'<img src="{reference}"> <a href="assets/logo.png">logo</a>'
    draft = tmp_path / "leak.journey.json"
    draft.write_text(json.dumps(journey("leak", html=html)))
    capsys.readouterr()
    validated = sw("validate", draft)
    lines = capsys.readouterr().out.strip().splitlines()
    if reference == "assets/link.png":
        assert validated == 0                        # the text is a plain path; the disk decides
    else:
        assert validated == 1 and len(lines) == 1 and lines[0].startswith(f"{draft}:{fragment.removeprefix('leak:')}")
    plant(client, html)
    out = tmp_path / "out.swbundle"
    line = refused(tmp_path, client, capsys, "bundle", "export", "leak", "-o", out)
    assert line.startswith(fragment) and line.endswith("nothing was exported"), line
    assert not out.exists()


def test_assets_and_drafts_go_in_together_or_not_at_all(client, tmp_path, capsys):
    """M2: when the store cannot take the drafts after the files are in place (here a trigger
    refuses the row, as a full disk would), every file is put back as it was."""
    with sqlite3.connect(client) as db:
        db.execute("CREATE TRIGGER full BEFORE INSERT ON journeys BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END")
    entries = [journey_entry(html='<img src="assets/logo.png"><img src="assets/img/new.png">'),
               ("assets/logo.png", b"the agency's logo"), ("assets/img/new.png", b"new")]
    bundle = write_bundle(tmp_path / "good.swbundle", entries)
    line = refused(tmp_path, client, capsys, "bundle", "import", bundle, code=2)
    assert "database or disk is full" in line and line.endswith("nothing was imported"), line
