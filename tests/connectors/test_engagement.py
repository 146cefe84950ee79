"""Engagement end to end (SPEC 11), with real parts: `switchback run` sends a journey's email to an
SMTP server (aiosmtpd) on 127.0.0.1; the test reads the links the email carries and follows them
with httpx against the tracking routes, served by uvicorn over https on 127.0.0.1."""
from __future__ import annotations

import json
import re
import ssl
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette

from switchback.connectors.intake.engagement import engagement_routes
from switchback.runtime.store.models import EventRow
from switchback.runtime.store.workspace import Store
from tests.conftest import ROOT
from tests.connectors.servers import FakeSMTP, self_signed

EBOOK = "https://downloads.example.com/ebook.pdf?from=mail&amp;v=2"        # as the html carries it
EBOOK_URL = "https://downloads.example.com/ebook.pdf?from=mail&v=2"        # as a browser follows it
DOWNLOAD = {
    "format": "switchback.journey/1", "key": "download", "name": "Download",
    "nodes": [
        {"id": "form", "kind": "trigger.event", "config": {"event": "form_submitted"}},
        {"id": "mail", "kind": "action.email", "config": {
            "connector": "mail", "subject": "Thanks for downloading {{ event.properties.form }}",
            "body": "Thanks for downloading {{ event.properties.form }}. Unsubscribe: {{ unsubscribe_url }}",
            "html": f'<html><body><p>Thanks for downloading {{{{ event.properties.form }}}}.</p>'
                    f'<p><a href="{EBOOK}">Get it</a> or <a href="mailto:help@shop.test">ask us</a>.</p>'
                    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p></body></html>'}},
        {"id": "wait", "kind": "wait.event", "config": {"event": "email_clicked", "timeout": "2d"}},
        {"id": "score", "kind": "action.score", "config": {"add": 20, "reason": "clicked"}},
        {"id": "nudge", "kind": "action.email", "config": {"connector": "mail", "subject": "Did you get it?", "body": "."}},
    ],
    "edges": [{"from": "form", "to": "mail"}, {"from": "mail", "to": "wait"},
              {"from": "wait", "port": "event", "to": "score"}, {"from": "wait", "port": "timeout", "to": "nudge"}],
}
NEWS = {"format": "switchback.journey/1", "key": "news", "name": "News",
        "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}},
                  {"id": "letter", "kind": "action.email", "config": {"connector": "mail", "subject": "News", "body": "."}}],
        "edges": [{"from": "all", "to": "letter"}]}


def sw(ws: Path, *args, stdin: str | None = None) -> subprocess.CompletedProcess:
    p = subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args), "--workspace", str(ws)], cwd=ROOT,
                       input=stdin, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p


@contextmanager
def routes_served(ws: Path, folder: Path):
    """Starlette(routes=engagement_routes(store)) under uvicorn, over https on 127.0.0.1, in a thread."""
    cert, key = self_signed(folder)
    store = Store(f"sqlite:///{ws}")
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=engagement_routes(store)), host="127.0.0.1", port=0,
                                           ssl_certfile=str(cert), ssl_keyfile=str(key), log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    trust = ssl.create_default_context(cafile=str(cert))
    try:
        with httpx.Client(verify=trust, timeout=10, follow_redirects=False) as client:
            yield f"https://127.0.0.1:{port}", client, store
    finally:
        server.should_exit = True
        thread.join(10)
        store.close()


def events(store: Store, type: str | None = None) -> list[tuple[str, dict]]:
    with store.session() as s:
        q = select(EventRow.type, EventRow.properties).order_by(EventRow.id)
        return [(t, p) for t, p in s.execute(q) if type is None or t == type]


def html_of(message) -> str:
    return message.get_body(("html",)).get_content()


def test_links_pixel_and_one_click_unsubscribe_through_the_routes(tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    (tmp_path / "people.csv").write_text("email,first_name,consent_email\nada@shop.test,Ada,subscribed\n")
    for name, doc in (("download", DOWNLOAD), ("news", NEWS)):
        (tmp_path / f"{name}.journey.json").write_text(json.dumps(doc))
    (tmp_path / "form.jsonl").write_text(json.dumps({"contact": "ada@shop.test", "type": "form_submitted",
                                                     "at": datetime.now(timezone.utc).isoformat(), "properties": {"form": "ebook"}}) + "\n")
    sw(ws, "import", tmp_path / "people.csv")
    with FakeSMTP() as smtp, routes_served(ws, tmp_path) as (public, client, store):
        sw(ws, "connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={smtp.port}",
           "--set", "from=news@shop.test", "--set", "tls=none")
        assert sw(ws, "workspace", "set", f"public_url={public}/").stdout.strip() == f"public_url = {public}"
        sw(ws, "publish", tmp_path / "download.journey.json")
        sw(ws, "publish", tmp_path / "news.journey.json")
        sw(ws, "events", tmp_path / "form.jsonl")
        sw(ws, "run", "--until-idle", "--sync-every", "0")

        assert len(smtp.received) == 1
        mail = smtp.received[0].message
        assert mail["Subject"] == "Thanks for downloading ebook"
        html = html_of(mail)
        hrefs = re.findall(r'href="([^"]*)"', html)
        clicks = [h for h in hrefs if h.startswith(f"{public}/c/")]
        unsubscribes = [h for h in hrefs if h.startswith(f"{public}/u/")]
        assert len(clicks) == 1 and len(unsubscribes) == 1 and "mailto:help@shop.test" in hrefs
        assert "downloads.example.com" not in html and "ada" not in "".join(hrefs)       # no original URL, no address
        pixel = re.findall(r'<img src="([^"]*)" width="1" height="1"', html)
        assert len(pixel) == 1 and pixel[0].startswith(f"{public}/o/") and pixel[0].endswith(".gif")
        # RFC 8058: an https List-Unsubscribe with the one-click header; the same address as the html's
        assert mail["List-Unsubscribe"].strip() == f"<{unsubscribes[0]}>"
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert f"Unsubscribe: {unsubscribes[0]}" in mail.get_body(("plain",)).get_content()

        # Forged, changed or borrowed tokens: 404, and nothing is recorded.
        before = events(store)
        token = clicks[0].rsplit("/", 1)[1]
        changed = token[:-1] + ("A" if token[-1] != "A" else "B")
        for url in (f"{public}/c/{changed}", f"{public}/c/made-up-token", f"{public}/u/{token}",
                    f"{public}/o/{token}.gif", f"{public}/c/{token[:5] + token[6:]}"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"{public}/u/{changed}", data={"List-Unsubscribe": "One-Click"}).status_code == 404
        assert events(store) == before

        # The pixel: a 1x1 GIF; the first open counts as the open, the second is kept as an event.
        for _ in range(2):
            got = client.get(pixel[0])
            assert got.status_code == 200 and got.headers["content-type"] == "image/gif" and got.content[:6] == b"GIF89a"
        assert [p["first"] for _, p in events(store, "email_opened")] == [True, False]

        # The link: 302 to the URL the email carried, and the click recorded with the message.
        got = client.get(clicks[0])
        assert got.status_code == 302 and got.headers["location"] == EBOOK_URL
        [(_, clicked)] = events(store, "email_clicked")
        assert clicked["url"] == EBOOK_URL and clicked["journey"] == "download" and clicked["node"] == "mail"

        sw(ws, "run", "--until-idle", "--sync-every", "0")
        trace = sw(ws, "trace", "ada@shop.test").stdout
        assert re.search(r"download/wait\s+left\s+email_clicked came", trace), trace
        assert "score +20 (clicked) = 20" in trace and "download/nudge" not in trace
        assert len(smtp.received) == 1

        # The unsubscribe page: one button and no address; then a mail client's one-click POST.
        page = client.get(unsubscribes[0])
        assert page.status_code == 200 and page.text.count("<button") == 1 and "ada" not in page.text.lower()
        got = client.post(unsubscribes[0], content=b"List-Unsubscribe=One-Click",
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert got.status_code == 200
        sw(ws, "enroll", "news", "ada@shop.test")
        sw(ws, "run", "--until-idle", "--sync-every", "0")
        assert len(smtp.received) == 1                              # the other journey's email did not go
        trace = sw(ws, "trace", "ada@shop.test").stdout
        assert re.search(r"download/mail\s+event\s+email_unsubscribed: no more email to this address", trace), trace
        assert re.search(r"news/letter\s+skipped\s+not sent: unsubscribed from email", trace), trace
