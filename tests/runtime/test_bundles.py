"""Bundles: three journeys and an SMTP connector (its password in the keyring) go from an agency's
workspace to a client's; no secret travels; a damaged bundle or a missing mapping changes nothing."""
import json
import sqlite3
import zipfile

import pytest

from switchback.runtime.bundles import read_bundle
from tests.conftest import ROOT
from tests.runtime.bundle_kit import journey, sw, tables

TEMPLATES = ROOT / "resources" / "templates"
KEYS = ["welcome-series", "lead-nurture", "renewal-reminder"]
PASSWORD = "s3cret-agency-pass-7731"


@pytest.fixture
def agency(tmp_path, test_keyring):
    ws = tmp_path / "agency.sqlite"
    assert sw("connector", "add", "smtp", "--kind", "smtp", "--set", "host=mail.agency.example", "--set", "port=587",
              "--set", "from=hello@agency.example", "--set", "username=agency", "--secret", "password",
              "--workspace", ws, stdin=PASSWORD + "\n") == 0
    for key in KEYS:
        assert sw("publish", TEMPLATES / f"{key}.journey.json", "--workspace", ws) == 0
    return ws


@pytest.fixture
def client(tmp_path, test_keyring):
    ws = tmp_path / "client.sqlite"
    assert sw("connector", "add", "mail", "--kind", "smtp", "--set", "host=smtp.client.example", "--set", "port=465",
              "--set", "from=news@client.example", "--set", "tls=tls", "--secret", "password",
              "--workspace", ws, stdin="client-pass\n") == 0
    return ws


def test_a_bundle_moves_journeys_between_workspaces_without_a_secret(agency, client, tmp_path, capsys):
    bundle = tmp_path / "agency.swbundle"
    assert sw("bundle", "export", *KEYS, "-o", bundle, "--workspace", agency) == 0
    raw = bundle.read_bytes()
    manifest, files = read_bundle(bundle)
    assert manifest["journeys"] == KEYS
    assert {c["name"]: c["kind"] for c in manifest["connectors"]} == {"smtp": "smtp"}
    assert "password" not in json.dumps(manifest["connectors"])
    with zipfile.ZipFile(bundle) as z:
        everything = b"".join(z.read(n) for n in z.namelist())
    assert PASSWORD.encode() not in raw and PASSWORD.encode() not in everything
    assert PASSWORD.encode() not in agency.read_bytes()           # nor in the agency's own store

    capsys.readouterr()
    assert sw("bundle", "import", bundle, "--map", "smtp=mail", "--workspace", client) == 0
    out = capsys.readouterr().out
    assert "welcome-series: added as a draft" in out
    for key in KEYS:
        assert sw("publish", key, "--workspace", client) == 0
    assert PASSWORD.encode() not in client.read_bytes()

    again = tmp_path / "client.swbundle"
    assert sw("bundle", "export", *KEYS, "-o", again, "--workspace", client) == 0
    _, first = read_bundle(bundle)
    _, second = read_bundle(again)
    assert set(first) == set(second)
    for name in first:
        assert second[name] == first[name].replace(b'"connector": "smtp"', b'"connector": "mail"'), name
    assert first[f"journeys/{KEYS[0]}.journey.json"] != second[f"journeys/{KEYS[0]}.journey.json"]


def test_importing_a_key_that_exists_makes_a_new_draft_never_touching_the_published_version(agency, client, tmp_path, capsys):
    bundle = tmp_path / "a.swbundle"
    assert sw("bundle", "export", "welcome-series", "-o", bundle, "--workspace", agency) == 0
    assert sw("bundle", "import", bundle, "--map", "smtp=mail", "--workspace", client) == 0
    assert sw("publish", "welcome-series", "--workspace", client) == 0
    with sqlite3.connect(client) as db:
        published = db.execute("select document from journey_versions where key='welcome-series'").fetchall()
    capsys.readouterr()
    assert sw("bundle", "import", bundle, "--map", "smtp=mail", "--workspace", client) == 0
    assert "a new draft of the existing journey" in capsys.readouterr().out
    with sqlite3.connect(client) as db:
        assert db.execute("select document from journey_versions where key='welcome-series'").fetchall() == published


def test_the_assets_a_journey_uses_travel_with_it(agency, client, tmp_path, capsys):
    logo, terms = bytes(range(256)) * 40, b"%PDF-1.4 terms and conditions"
    (agency.parent / "agency.sqlite.assets" / "img").mkdir(parents=True)
    (agency.parent / "agency.sqlite.assets" / "img" / "logo.png").write_bytes(logo)
    (agency.parent / "agency.sqlite.assets" / "terms.pdf").write_bytes(terms)
    promo = tmp_path / "promo.journey.json"
    promo.write_text(json.dumps(journey("promo", html='<img src="assets/img/logo.png"> <a href="assets/terms.pdf">terms</a>',
                                        connector="smtp")))
    assert sw("publish", promo, "--workspace", agency) == 0
    bundle = tmp_path / "promo.swbundle"
    assert sw("bundle", "export", "promo", "-o", bundle, "--workspace", agency) == 0
    _, files = read_bundle(bundle)
    assert files["assets/img/logo.png"] == logo and files["assets/terms.pdf"] == terms

    assert sw("bundle", "import", bundle, "--map", "smtp=mail", "--workspace", client) == 0
    folder = tmp_path / "client.sqlite.assets"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) == ["img", "img/logo.png", "terms.pdf"]
    assert (folder / "img" / "logo.png").read_bytes() == logo and (folder / "terms.pdf").read_bytes() == terms
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []      # no staging left behind
    again = tmp_path / "again.swbundle"
    assert sw("bundle", "export", "promo", "--drafts", "-o", again, "--workspace", client) == 0
    assert {k: v for k, v in read_bundle(again)[1].items() if k.startswith("assets/")} == \
        {k: v for k, v in files.items() if k.startswith("assets/")}


def damaged(bundle, tmp_path, how: str):
    data = bytearray(bundle.read_bytes())
    out = tmp_path / f"{how}.swbundle"
    if how == "one-byte":
        with zipfile.ZipFile(bundle) as z:
            files = {n: z.read(n) for n in z.namelist()}
        name = "journeys/welcome-series.journey.json"
        files[name] = files[name].replace(b"Welcome", b"Welcomf", 1)
        with zipfile.ZipFile(out, "w") as z:
            for n, d in files.items():
                z.writestr(n, d)
    elif how == "truncated":
        out.write_bytes(bytes(data[: len(data) // 2]))
    return out


@pytest.mark.parametrize("how,fragment,code", [
    ("one-byte", "does not match its hash", 1),
    ("truncated", "not a readable bundle", 2),
    ("unmapped", "connector smtp (smtp) is not mapped", 1),
])
def test_a_damaged_bundle_or_a_missing_mapping_changes_nothing(agency, client, tmp_path, capsys, how, fragment, code):
    bundle = tmp_path / "agency.swbundle"
    assert sw("bundle", "export", *KEYS, "-o", bundle, "--workspace", agency) == 0
    path = bundle if how == "unmapped" else damaged(bundle, tmp_path, how)
    before = tables(client)
    capsys.readouterr()
    assert sw("bundle", "import", path, "--workspace", client) == code
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0] and str(path) in lines[0]
    assert tables(client) == before


def test_an_export_that_cannot_be_written_is_one_line_and_leaves_no_file(agency, tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("a file, not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    capsys.readouterr()
    assert sw("bundle", "export", *KEYS, "-o", tmp_path / "notes.txt" / "b.swbundle", "--workspace", agency) == 2
    captured = capsys.readouterr()
    assert captured.err.strip() == f"{tmp_path / 'notes.txt' / 'b.swbundle'}: cannot write: Not a directory"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_url_with_a_secret_in_its_query_never_travels(tmp_path, test_keyring, capsys):
    """A workspace from before such URLs were refused may hold one: export leaves it out and says so."""
    ws = tmp_path / "old.sqlite"
    assert sw("publish", TEMPLATES / "renewal-reminder.journey.json", "--workspace", ws) == 0
    with sqlite3.connect(ws) as db:
        db.execute("insert into connectors (name, kind, settings) values (?, ?, ?)",
                   ("crm-webhook", "webhook", json.dumps({"url": "https://hooks.example/task?token=tok-998877",
                                                          "method": "POST"})))
    bundle = tmp_path / "out.swbundle"
    capsys.readouterr()
    assert sw("bundle", "export", "renewal-reminder", "-o", bundle, "--workspace", ws) == 0
    assert b"tok-998877" not in bundle.read_bytes()
    manifest, _ = read_bundle(bundle)
    assert {c["name"]: c["settings"] for c in manifest["connectors"]}["crm-webhook"] == {"method": "POST"}
    assert "crm-webhook: its url carries a secret in its query; left out of the bundle" in capsys.readouterr().err
