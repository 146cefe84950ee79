"""The audit report (SPEC section 8): the nine templates plus two journeys that conflict (tests/data/audit:
both start on `trial_started`, same priority, nothing between them), simulated on contacts and events
written for it. The report must find that conflict, the contacts sent more than the caps allow and the
template field no contact has; the HTML must open in a real browser with its sections, and the PDF must
carry the same sections."""
import html.parser
import json
import os
import re
import shutil
import subprocess
from collections import defaultdict
from datetime import datetime, timedelta, timezone

import pytest

from switchback.runtime import audit as report
from switchback.runtime import document
from switchback.runtime.audit import build_audit, overlap, render_html, write_report
from switchback.runtime.contacts import read_contacts_csv, read_events_jsonl
from switchback.runtime.problems import InputError
from tests.conftest import DATA, ROOT, SWITCHBACK

AUDIT = DATA / "audit"
TEMPLATES = sorted((ROOT / "resources" / "templates").glob("*.journey.json"))
CONFLICTING = [AUDIT / "trial-tips.journey.json", AUDIT / "trial-upsell.journey.json"]
FILES = TEMPLATES + CONFLICTING
START = datetime(2026, 3, 2, tzinfo=timezone.utc)
SECTIONS = ["summary", "inventory", "problems", "conflicts", "messages", "top-contacts"]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)")


def journeys(files=FILES):
    return [document.load(f) for f in files]


def contacts():
    return read_contacts_csv(AUDIT / "contacts.csv")


def events():
    return read_events_jsonl(AUDIT / "events.jsonl")


@pytest.fixture(scope="module")
def audit():
    a = build_audit(journeys(), None, contacts(), events(), days=30, start=START,
                    sources={document.load(f).key: f.name for f in FILES}, subject="Journey files",
                    title="Acme Software: journey audit")
    a.generated = datetime(2026, 4, 1, 9, 0, tzinfo=timezone.utc)      # a stable page for the screenshot
    return a


def of_kind(audit, kind):
    return [f for f in audit.findings if f.kind == kind]


# --- what the audit finds --------------------------------------------------------------------------

def test_two_journeys_on_the_same_trigger_with_nothing_between_them_are_a_high_conflict(audit):
    [f] = of_kind(audit, "overlap")
    assert f.severity == "high"
    assert set(f.journeys) == {"trial-tips", "trial-upsell"}
    assert "Trial tips" in f.title and "Trial upgrade offer" in f.title
    assert {(p.journey, p.node) for p in f.places} == {("trial-tips", "trial"), ("trial-upsell", "trial")}
    assert "trial_started" in f.detail
    assert f.contacts == 12                       # every contact with a trial_started event was in both at once
    assert not of_kind(audit, "same-trigger")     # the templates share no trigger with overlapping conditions


def test_something_between_two_journeys_on_one_trigger_makes_it_informational():
    tips, upsell = journeys(CONFLICTING)
    upsell.settings_raw = {**upsell.settings_raw, "suppresses": ["trial-tips"]}
    a = build_audit([tips, upsell])
    [f] = a.findings
    assert (f.kind, f.severity) == ("same-trigger", "low")
    assert "Trial upgrade offer takes contacts out of Trial tips" in f.detail

    upsell.settings_raw = {**upsell.settings_raw, "suppresses": [], "priority": 60}
    [f] = build_audit([tips, upsell]).findings
    assert (f.kind, f.severity) == ("same-trigger", "low")
    assert "higher priority (60 against 30)" in f.detail


def test_trigger_conditions_that_cannot_both_hold_do_not_conflict():
    assert overlap("event.properties.form in ['ebook', 'guide']", "event.properties.form == 'demo-request'") == "disjoint"
    assert overlap("event.properties.form == 'ebook'", "event.properties.form in ['ebook', 'guide']") == "overlap"
    assert overlap(None, "event.properties.form == 'ebook'") == "overlap"
    assert overlap(None, None) == "same"
    assert overlap("contact.country == 'DE'", "event.properties.form == 'x'") == "overlap"
    # lead-nurture and lead-routing both start on form_submitted, for different forms
    assert not [f for f in build_audit(journeys(TEMPLATES)).findings if f.kind in ("overlap", "same-trigger")]


def _over_cap_by_hand(audit_journeys, cap_messages=3, window=timedelta(days=7)):
    """The contacts whose emails and SMS from two or more journeys exceed 3 in some 7 days, counted
    straight from a simulation, independently of the audit's own code."""
    from switchback.runtime.simulation import simulate
    runnable, _ = report._without_hand_enrollment(audit_journeys)
    result = simulate(runnable, contacts(), events(), START, 30)
    sent = defaultdict(list)
    for m in result.messages:
        if m.channel in ("email", "sms"):
            sent[m.contact].append((m.at, m.journey))
    over = set()
    for contact, ms in sent.items():
        ms.sort()
        for at, _ in ms:
            window_ms = [j for t, j in ms if at <= t < at + window]
            if len(window_ms) > cap_messages and len(set(window_ms)) > 1:
                over.add(contact)
    return over


def test_contacts_over_the_cap_are_found_with_the_journeys_that_sent_them(audit):
    [f] = of_kind(audit, "over-cap")
    assert f.severity == "high"
    assert "Lead nurture: at most 3 messages per 7 days" in audit.reference_cap      # the strictest journey cap
    expected = _over_cap_by_hand(journeys())
    assert f.contacts == len(expected) >= 10
    assert {e.split(" ")[0] for e in f.examples} <= expected
    assert f.examples[0] == "ada.lovelace@example.com (10 messages)"
    assert {"trial-tips", "trial-upsell"} <= set(f.journeys)
    assert ("trial-upsell", "offer") in {(p.journey, p.node) for p in f.places}

    top = audit.messages.top_contacts
    assert len(top) == 10 and [t.messages for t in top] == sorted((t.messages for t in top), reverse=True)
    assert (top[0].contact, top[0].messages) == ("ada.lovelace@example.com", 10)
    assert dict(top[0].journeys) == {"Trial tips": 3, "Trial upgrade offer": 3, "Welcome series": 3, "Abandoned cart": 1}
    assert top[0].last - top[0].first < timedelta(days=7)


def test_messages_from_two_journeys_within_a_day_are_too_close(audit):
    [f] = of_kind(audit, "too-close")
    assert f.severity == "medium"
    assert f.breakdown[0] == ("Trial tips + Trial upgrade offer", "12 contacts")


def test_a_template_field_no_contact_has_is_found_and_fields_they_have_are_not(audit):
    [f] = of_kind(audit, "missing-field")
    assert "favourite_feature" in f.title
    assert [(p.journey, p.node, p.label) for p in f.places] == [("trial-tips", "tip", "Tip: favourite feature")]
    assert f.severity == "medium" and "blank" in f.detail
    # without contacts there is nothing to check fields against: no finding, and the report says so
    a = build_audit(journeys())
    assert not of_kind(a, "missing-field") and a.messages is None
    assert any("No contacts were given" in n for n in a.notes)


def test_a_trigger_on_a_field_no_contact_has_is_high():
    people = [{k: v for k, v in c.items() if k != "renewal_date"} for c in contacts()]
    a = build_audit(journeys(TEMPLATES), None, people, [], days=1, start=START)
    [f] = [f for f in of_kind(a, "missing-field") if "renewal_date" in f.title]
    assert f.severity == "high" and "never starts" in f.detail
    assert ("renewal-reminder", "renewal-30") in {(p.journey, p.node) for p in f.places}


def test_messages_per_journey_node_and_day_add_up(audit):
    m = audit.messages
    assert m.to_contacts == sum(sum(day.values()) for _, day in m.by_day) == sum(r[2] for r in m.by_journey)
    assert m.to_contacts + m.internal == sum(n.messages for n in m.by_node)
    assert len(m.by_day) == 30 and m.by_day[0][0].isoformat() == "2026-03-02"
    by_key = {r[0]: r[2] for r in m.by_journey}
    assert by_key["trial-tips"] == 36 and by_key["trial-upsell"] == 36          # 12 trials, three messages each
    assert {n.node: n.messages for n in m.by_node if n.journey == "trial-upsell"} == {
        "offer": 12, "sms-reminder": 5, "email-reminder": 7, "last-day": 12}


def test_problems_are_listed_by_journey_and_node_and_that_journey_is_not_simulated():
    tips, upsell = journeys(CONFLICTING)
    data = json.loads(tips.dumps())
    data["nodes"][2]["config"]["duration"] = "soon"
    broken = document.from_dict(data)
    a = build_audit([broken, upsell], None, contacts(), events(), days=30, start=START)
    [p] = a.problems
    assert (p.journey, p.where) == ("trial-tips", "wait-1d") and "not a duration" in p.message
    assert not [j for j in a.journeys if j.key == "trial-tips"][0].valid
    assert "trial-tips" not in {r[0] for r in a.messages.by_journey}
    assert any("Not simulated" in n and "Trial tips" in n for n in a.notes)
    assert of_kind(a, "overlap")                 # the conflict is still there: it is read from the files


def test_a_workspace_audit_reads_published_journeys_drafts_connectors_and_its_cap(tmp_path):
    from switchback.runtime.store import repository as repo
    from switchback.runtime.store.models import ConnectorRow
    from switchback.runtime.store.workspace import Store
    from switchback.runtime.settings import FrequencyCap
    store = Store(f"sqlite:///{tmp_path / 'ws.sqlite'}")
    now = datetime(2026, 3, 1, tzinfo=timezone.utc)
    all_journeys = journeys()
    with store.session() as s:
        for j in all_journeys:
            if j.key == "trial-upsell":
                repo.save_draft(s, j, now)                   # a draft only: audited as the draft
            else:
                repo.publish(s, j, now)
        s.add(ConnectorRow(name="smtp", kind="smtp", settings={"host": "mail.example.com", "port": 587,
                                                               "from": "hi@example.com"}))
        repo.set_setting(s, "frequency_cap", FrequencyCap(messages=5, per="7d").model_dump())
    a = report.audit_workspace(store, contacts(), events(), days=30, start=START)
    store.close()
    sources = {j.key: j.source for j in a.journeys}
    assert sources["trial-tips"] == "published version 1" and sources["trial-upsell"] == "draft (not published)"
    missing = {f.title: f for f in of_kind(a, "missing-connector")}
    assert set(missing) == {"The connector “twilio” is used but not set up",
                            "The connector “crm-webhook” is used but not set up"}
    assert {(p.journey, p.node) for p in missing["The connector “twilio” is used but not set up"].places} == {
        ("abandoned-cart", "sms"), ("trial-upsell", "sms-reminder")}
    assert all(f.severity == "high" for f in missing.values())
    assert a.reference_cap.startswith("the workspace's cap, at most 5 messages per 7 days")
    assert of_kind(a, "overlap")
    # the workspace cap holds in the simulation, so nobody is over it
    assert not of_kind(a, "over-cap")
    assert max(t.messages for t in a.messages.top_contacts) <= 5


def test_the_summary_puts_the_most_important_findings_first(audit):
    assert [f.kind for f in audit.top_findings] == ["overlap", "over-cap", "missing-field"]
    assert audit.conflicts_by_severity == {"high": 2, "medium": 2, "low": 0}


# --- the page --------------------------------------------------------------------------------------

def test_the_page_is_self_contained_and_escapes_what_users_wrote(audit):
    tips, upsell = journeys(CONFLICTING)
    tips.name = "Tips <script>alert(1)</script> & more"
    page = render_html(build_audit([tips, upsell], [], contacts(), events(), days=10, start=START))
    assert "<script" not in page and "Tips &lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in page
    page = render_html(audit)
    for fetch in ("<script", "<link", "<img", "@import", "url(", "src=", 'href="http'):
        assert fetch not in page
    for section in SECTIONS + ["about"]:
        assert f'<section id="{section}"' in page
    assert page.count("<svg") == 2 and "<rect" in page
    blocks = _Blocks()
    blocks.feed(page)
    assert blocks.open == [] and blocks.mismatched == []


class _Blocks(html.parser.HTMLParser):
    """Block elements opened and closed in order (a template branch that forgets a </div> shows here)."""
    TAGS = ("div", "section", "figure", "table", "article", "ul", "ol", "svg")

    def __init__(self):
        super().__init__()
        self.open, self.mismatched = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if tag in self.TAGS:
            if self.open and self.open[-1] == tag:
                self.open.pop()
            else:
                self.mismatched.append(tag)


def test_without_contacts_the_page_has_no_message_sections():
    page = render_html(build_audit(journeys()))
    assert '<section id="summary"' in page and '<section id="conflicts"' in page
    assert '<section id="messages"' not in page and '<section id="top-contacts"' not in page


def test_an_empty_audit_still_renders():
    quiet = [{"email": "nobody@example.com"}]
    for a in (build_audit([]), build_audit([], [], quiet, [], days=1, start=START),
              build_audit(journeys(CONFLICTING), [], quiet, [], days=1, start=START)):
        page = render_html(a)
        blocks = _Blocks()
        blocks.feed(page)
        assert blocks.open == [] and blocks.mismatched == []
    assert "No journey sent anything in the simulated period" in page


class _Sections(html.parser.HTMLParser):
    """Text per <section id>, from a DOM dump."""

    def __init__(self):
        super().__init__()
        self.text, self.stack, self.svg_rects = defaultdict(str), [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.stack.append(dict(attrs).get("id"))
        if tag == "rect":
            self.svg_rects += 1

    def handle_endtag(self, tag):
        if tag == "section" and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text[self.stack[-1]] += data


def _chromium(*args, timeout=120):
    with __import__("tempfile").TemporaryDirectory() as profile:
        return subprocess.run([CHROMIUM, *report.CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout, env={**os.environ, "HOME": profile})


@needs_chromium
def test_the_page_opens_in_chromium_with_every_section(audit, tmp_path):
    page = write_report(audit, tmp_path / "audit.html")
    dom = _chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    parsed = _Sections()
    parsed.feed(dom.stdout)
    assert [s for s in parsed.text if s in SECTIONS] == SECTIONS
    text = {k: " ".join(v.split()) for k, v in parsed.text.items()}
    assert "2 high" in text["summary"] and "Trial tips and Trial upgrade offer start on the same trigger" in text["summary"]
    assert "Lead routing and notification" in text["inventory"] and "When the event “trial_started” is recorded" in text["inventory"]
    assert "No problems" in text["problems"]
    assert "Trial tips › Trial started" in text["conflicts"] and "Trial upgrade offer › Trial started" in text["conflicts"]
    assert "favourite_feature" in text["conflicts"] and "Trial tips › Tip: favourite feature" in text["conflicts"]
    assert "Messages to contacts per day" in text["messages"] and "Discount SMS" in text["messages"]
    assert "ada.lovelace@example.com" in text["top-contacts"]
    assert parsed.svg_rects > 30

    shot = tmp_path / "audit.png"
    p = _chromium(f"--screenshot={shot}", "--window-size=1280,2000", "--hide-scrollbars", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 50_000, p.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("SWITCHBACK_UPDATE_SCREENSHOTS"):       # the README's picture; opt-in, not on every run
        shutil.copyfile(shot, ROOT / "docs" / "screenshots" / "audit.png")


@needs_chromium
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed (Debian: apt-get install poppler-utils)")
def test_the_pdf_has_the_same_sections(audit, tmp_path):
    pdf = write_report(audit, tmp_path / "audit.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    at = 0
    for heading in ["Summary", "What matters most", "The journeys", "Problems No problems", "Conflicts What goes wrong",
                    "Messages What the journeys would send", "Messages to contacts per day", "Messages per journey",
                    "Messages per step", "Contacts who get the most", "About this audit"]:
        found = flat.find(heading, at)                # each section, in the page's order
        assert found != -1, f"{heading!r} not found after offset {at}"
        at = found + len(heading)
    for key_text in ("Trial upgrade offer", "trial_started", "favourite_feature", "ada.lovelace@example.com",
                     "more messages than the cap allows"):
        assert key_text in flat
    pages = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", pages).group(1)) >= 3


def test_a_pdf_without_chromium_is_one_clear_line(audit, tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(InputError) as e:
        write_report(audit, tmp_path / "audit.pdf")
    assert "apt-get install chromium" in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "audit.pdf").exists()


# --- the command -----------------------------------------------------------------------------------

def run(*args):
    return subprocess.run([*SWITCHBACK, *args], capture_output=True, text=True, timeout=180, cwd=ROOT)


def test_the_audit_command_writes_the_report(tmp_path):
    out = tmp_path / "report.html"
    p = run("audit", *map(str, FILES), "--contacts", str(AUDIT / "contacts.csv"), "--events", str(AUDIT / "events.jsonl"),
            "--start", "2026-03-02T00:00:00Z", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == (f"{out}: 13 journeys, 0 problems, 4 conflicts (2 high, 2 medium, 0 low), "
                                f"118 messages simulated")
    page = out.read_text()
    assert '<section id="top-contacts"' in page and "Journey files · 13 journeys" in page


def test_the_audit_command_reads_a_workspace(tmp_path):
    ws = str(tmp_path / "ws.sqlite")
    for f in CONFLICTING:
        assert run("publish", str(f), "--workspace", ws).returncode == 0
    out = tmp_path / "report.html"
    p = run("audit", "--workspace", ws, "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert "2 journeys, 0 problems, 3 conflicts (3 high" in p.stdout      # the overlap, smtp and twilio missing
    assert "The connector “twilio” is used but not set up" in out.read_text()


@pytest.mark.parametrize("args, fragment", [
    (("-o", "x.html"), "give journey files or --workspace"),
    ((str(CONFLICTING[0]), "-o", "report.txt"), "report.txt: the report must be an .html or .pdf file"),
    ((str(CONFLICTING[0]), "--contacts", "missing.csv", "-o", "r.html"), "missing.csv: no such file"),
    ((str(CONFLICTING[0]), "--events", str(AUDIT / "events.jsonl"), "-o", "r.html"), "events need --contacts"),
    (("missing.journey.json", "-o", "r.html"), "missing.journey.json: no such file"),
])
def test_bad_input_is_one_line_and_exit_two(args, fragment, tmp_path):
    p = subprocess.run([*SWITCHBACK, "audit", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert p.returncode == 2
    assert fragment in p.stderr and len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert not list(tmp_path.glob("r.*")) and not (tmp_path / "report.txt").exists()
