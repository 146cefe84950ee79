"""Running live, end to end (SPEC 9-11), every part real: a website's Segment client sends a form
submission and then who filled it in to `switchback run --serve` on 127.0.0.1; the published journey
sends its email through an SMTP connector to aiosmtpd; the person clicks the email's link (httpx
follows the rewritten address) and moves onto the journey's event path; `trace` shows every step.
README's "Running live" walks through the same."""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import ROOT
from tests.support.ports import free_port
from tests.connectors.servers import FakeSMTP
from tests.connectors.test_engagement import DOWNLOAD, EBOOK_URL

def sw(ws: Path, *args) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args), "--workspace", str(ws)], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p


def until(check, seconds: float = 60, what: str = ""):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"waited {seconds}s for {what}")


def test_a_form_submitted_on_a_website_runs_the_journey_and_the_click_moves_the_contact_on(tmp_path, test_keyring):
    from segment.analytics.client import Client
    ws = tmp_path / "w.sqlite"
    (tmp_path / "download.journey.json").write_text(json.dumps(DOWNLOAD))
    port = free_port()
    public = f"http://127.0.0.1:{port}"
    with FakeSMTP() as smtp:
        sw(ws, "connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={smtp.port}",
           "--set", "from=news@shop.test", "--set", "tls=none")
        sw(ws, "workspace", "set", f"public_url={public}")
        sw(ws, "publish", tmp_path / "download.journey.json")
        key = sw(ws, "source", "add", "website").stdout.splitlines()[-1]
        run = subprocess.Popen([sys.executable, "-m", "switchback.app", "run", "--serve", "--port", str(port),
                                "--sync-every", "0", "--workspace", str(ws)], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert run.stdout.readline().strip() == f"intake server listening on {public}"
            # The website: an anonymous visitor submits the form, then says who they are.
            errors = []
            website = Client(key, host=public, sync_mode=True, max_retries=0, on_error=lambda e, b: errors.append(e))
            website.track("anon-1", "Form Submitted", {"form": "ebook"})
            website.identify("anon-1", {"email": "ada@shop.test", "firstName": "Ada"})
            assert errors == []

            until(lambda: smtp.received, what="the email")
            mail = smtp.received[0].message
            assert mail["To"] == "ada@shop.test" and mail["Subject"] == "Thanks for downloading ebook"
            assert "Thanks for downloading ebook." in mail.get_body(("plain",)).get_content()
            html = mail.get_body(("html",)).get_content()
            assert "Thanks for downloading ebook." in html
            [link] = [h for h in re.findall(r'href="([^"]*)"', html) if h.startswith(f"{public}/c/")]
            assert "downloads.example.com" not in html

            # The person clicks: the server answers 302 to the link the email carried.
            got = httpx.get(link, follow_redirects=False, timeout=10)
            assert got.status_code == 302 and got.headers["location"] == EBOOK_URL

            def scored() -> str | None:
                shown = sw(ws, "trace", "ada@shop.test").stdout
                return shown if "score +20" in shown else None
            trace = until(scored, what="the contact to take the event path")
        finally:
            run.send_signal(signal.SIGTERM)
            out, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
        assert "intake server" not in err
    # Every step, in order: the form's event (attributed once identify joined anon-1), the email, the
    # wait, the click, the score; never the nudge.
    steps = trace.splitlines()
    expected = [r"download/form\s+entered\s+form_submitted", r"download/mail\s+sent\s+email to ada@shop.test via mail",
                r"download/wait\s+waiting\s+waiting for email_clicked until", r"updated\s+first_name = Ada",
                r"download/mail\s+event\s+email_clicked https://downloads\.example\.com/ebook\.pdf\?from=mail&v=2",
                r"download/wait\s+left\s+email_clicked came", r"download/score\s+updated\s+score \+20 \(clicked\) = 20",
                r"download/score\s+completed"]
    at = 0
    for pattern in expected:
        at = next((i for i in range(at, len(steps)) if re.search(pattern, steps[i])), None)
        assert at is not None, (pattern, trace)
    assert "download/nudge" not in trace and "score +20 (clicked) = 20" in trace
    assert len(smtp.received) == 1
