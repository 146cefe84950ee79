"""Segment's HTTP Tracking API on the intake server (SPEC 10), with real parts: Segment's own Python
client (`host=`) and RudderStack's (`dataPlaneUrl=`, gzip on) sending to the server on 127.0.0.1,
and httpx for what no well-behaved client sends."""
from __future__ import annotations

import base64
import gzip
import json
import subprocess
import sys
from datetime import datetime, timezone

import httpx
import pytest
from sqlalchemy import func, select

from switchback.connectors.intake.server import IntakeServer
from switchback.runtime import sources
from switchback.runtime.store.intake_models import IntakeLogRow, IntakeMessage, PendingEvent, Source
from switchback.runtime.store.models import Contact, EventRow
from switchback.runtime.store.workspace import Store
from tests.conftest import ROOT


@pytest.fixture
def served(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    server = IntakeServer(store, port=0)
    server.start()
    try:
        yield server, store
    finally:
        server.stop()
        store.close()


def recorded(store: Store) -> list[tuple[str, str, dict]]:
    """(contact, type, properties) of every event the contacts have, in order."""
    with store.session() as s:
        q = select(Contact.email, EventRow.type, EventRow.properties).join(Contact, Contact.id == EventRow.contact_id)
        return [tuple(r) for r in s.execute(q.order_by(EventRow.at, EventRow.id))]


def counts(store: Store) -> tuple[int, ...]:
    with store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (EventRow, PendingEvent, IntakeMessage, Contact))


def test_segments_client_tracks_and_identifies_and_the_anonymous_events_reach_the_contact(served):
    from segment.analytics.client import Client
    server, store = served
    key = sources.add_source(store, "website")
    errors = []
    client = Client(key, host=server.url, sync_mode=True, max_retries=0, on_error=lambda e, batch: errors.append(e))
    client.track(anonymous_id="anon-1", event="Form Submitted", properties={"form": "ebook"})
    client.page(anonymous_id="anon-1", name="Pricing", properties={"url": "https://shop.test/pricing"})
    assert recorded(store) == []                        # an id nobody is known by: kept, triggers nothing
    client.identify(anonymous_id="anon-1", traits={"email": "Ada@Shop.test", "firstName": "Ada", "title": "CTO",
                                                   "company": {"name": "Shop"}, "plan": "pro"})
    client.track(user_id="grace@shop.test", event="trialStarted")
    client.group(user_id="grace@shop.test", group_id="g1", traits={"name": "Navy", "employees": 40})
    client.alias(previous_id="anon-2", user_id="grace@shop.test")
    client.track(anonymous_id="anon-2", event="Demo Booked")
    assert errors == []
    assert recorded(store) == [
        ("ada@shop.test", "form_submitted", {"form": "ebook"}),
        ("ada@shop.test", "page_view", {"url": "https://shop.test/pricing", "name": "Pricing"}),
        ("ada@shop.test", "contact_updated", {"first_name": "Ada", "job_title": "CTO", "company": "Shop", "plan": "pro"}),
        ("grace@shop.test", "trial_started", {}),
        ("grace@shop.test", "contact_updated", {"company": "Navy", "company_employees": 40}),
        ("grace@shop.test", "demo_booked", {}),
    ]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(PendingEvent)) == 0


def test_rudderstacks_client_sends_gzip_batches_and_a_retried_batch_records_nothing_twice(served):
    import rudderstack.analytics as rudder
    server, store = served
    key = sources.add_source(store, "app")
    rudder.write_key, rudder.dataPlaneUrl, rudder.gzip, rudder.sync_mode = key, server.url, True, False
    rudder.default_client = None
    try:
        for n in range(250):
            rudder.track(user_id=f"user{n % 5}@shop.test", event="Item Viewed", properties={"n": n}, message_id=f"m-{n}")
        rudder.identify(user_id="u-9", traits={"email": "nine@shop.test", "lastName": "Nine"})
        rudder.flush()
        client = rudder.default_client
    finally:
        rudder.shutdown()
        rudder.default_client = None
    assert client.queue.empty()
    views = [e for e in recorded(store) if e[1] == "item_viewed"]
    assert sorted(p["n"] for _, _, p in views) == list(range(250))
    assert ("nine@shop.test", "contact_updated", {"last_name": "Nine"}) in recorded(store)
    # The same messages again, as a client retrying a batch whose answer it never saw.
    again = {"batch": [{"type": "track", "userId": "user0@shop.test", "event": "Item Viewed", "messageId": f"m-{n}",
                        "properties": {"n": n}} for n in range(0, 250, 10)] + [
        {"type": "track", "userId": "user0@shop.test", "event": "Item Viewed", "messageId": "m-new", "properties": {"n": -1}}]}
    got = httpx.post(f"{server.url}/v1/batch", content=gzip.compress(json.dumps(again).encode()),
                     headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}, auth=(key, ""))
    assert got.json() == {"success": True}
    views = [p["n"] for _, t, p in recorded(store) if t == "item_viewed"]
    assert sorted(views) == [-1, *range(250)]


def test_no_source_no_key_or_a_wrong_key_is_401_and_nothing_is_recorded(served):
    server, store = served
    call = {"userId": "ada@shop.test", "event": "Signed Up"}
    got = httpx.post(f"{server.url}/v1/track", json=call, auth=("anything", ""))
    assert got.status_code == 401 and "switchback source add NAME" in got.json()["error"]
    key = sources.add_source(store, "website")
    for auth in (None, ("wrong", ""), (key[:-1], "")):
        assert httpx.post(f"{server.url}/v1/track", json=call, auth=auth).status_code == 401
    assert httpx.post(f"{server.url}/v1/batch", content=b"not json", auth=("wrong", "")).status_code == 401
    assert httpx.post(f"{server.url}/v1/track", json=call, headers={"Authorization": "Basic !!!"}).status_code == 401
    assert counts(store) == (0, 0, 0, 0)
    # the key in the body, as some senders put it, is as good as the header
    assert httpx.post(f"{server.url}/v1/track", json={**call, "writeKey": key}).json() == {"success": True}
    sources.remove_source(store, "website")
    import time
    time.sleep(1.2)                                      # a removed source stops within a second
    assert httpx.post(f"{server.url}/v1/track", json={**call, "writeKey": key}).status_code == 401
    assert counts(store)[0] == 1


def _gz(data: bytes) -> bytes:
    return gzip.compress(data)


def _track(**extra) -> dict:
    return {"type": "track", "userId": "ada@shop.test", "event": "Signed Up", **extra}


BIG = "x" * (33 * 1024)
# (path, body bytes, extra headers, the words the 400 says)
MALFORMED = [
    ("track", b"{not json", {}, "not JSON"),
    ("batch", b'{"batch": [', {}, "not JSON"),
    ("batch", b"\xff\xfe{}", {}, "not UTF-8"),
    ("batch", b"{\"batch\": []} (sent as gzip, not zipped)", {"Content-Encoding": "gzip"}, "not valid gzip"),
    ("batch", _gz(b'{"batch": []}')[:-6], {"Content-Encoding": "gzip"}, "cut short"),
    ("batch", b'{"batch": []}', {"Content-Encoding": "br"}, "not supported"),
    ("track", json.dumps(_track(properties={"big": BIG})).encode(), {}, "over 32 KB"),
    ("batch", json.dumps({"batch": [_track(), _track(properties={"big": BIG})]}).encode(), {}, "item 1: an event over 32 KB"),
    ("batch", json.dumps({"batch": [_track(properties={"n": "y" * 20_000}) for _ in range(26)]}).encode(), {}, "over 500 KB"),
    ("batch", _gz(json.dumps({"batch": [_track(properties={"n": "y" * 20_000}) for _ in range(26)]}).encode()),
     {"Content-Encoding": "gzip"}, "over 500 KB"),
    ("batch", json.dumps({"batch": [_track(messageId=str(n)) for n in range(2501)]}).encode(), {}, "over 2500 items"),
    ("batch", b'[{"type": "track"}]', {}, "`batch` is a list"),
    ("batch", b'{"batch": {"type": "track"}}', {}, "`batch` is a list"),
    ("batch", json.dumps({"batch": [_track()], "sentAt": 5}).encode(), {}, "`sentAt` must be an ISO 8601 time"),
    ("track", b'["a"]', {}, "must be a JSON object"),
    ("track", json.dumps({"userId": "ada@shop.test"}).encode(), {}, "needs `event`"),
    ("track", json.dumps({"event": "Signed Up"}).encode(), {}, "needs `userId` or `anonymousId`"),
    ("track", json.dumps({"userId": ["ada"], "event": "Signed Up"}).encode(), {}, "`userId` must be a string"),
    ("track", json.dumps({"userId": "ada@shop.test", "event": "X", "properties": [1]}).encode(), {}, "`properties` must be an object"),
    ("identify", json.dumps({"userId": "u1", "traits": {"email": 7}}).encode(), {}, "`traits.email` must be an email"),
    ("alias", json.dumps({"userId": "u1"}).encode(), {}, "needs `previousId` and `userId`"),
    ("track", json.dumps({"userId": "ada@shop.test", "event": "X", "timestamp": "yesterday"}).encode(), {}, "not an ISO 8601 time"),
]


def test_each_malformed_body_is_a_400_that_says_why_records_nothing_and_the_server_keeps_serving(served):
    server, store = served
    key = sources.add_source(store, "website")
    assert len(MALFORMED) >= 20
    with httpx.Client(auth=(key, ""), timeout=10) as client:
        for path, body, headers, words in MALFORMED:
            got = client.post(f"{server.url}/v1/{path}", content=body, headers={"Content-Type": "application/json", **headers})
            assert got.status_code == 400, (path, words, got.text)
            assert words in got.json()["error"], (words, got.json())
            assert counts(store) == (0, 0, 0, 0), words
        # An otherwise good batch: the items that lack what their call needs are named, the rest go in.
        batch = {"batch": [_track(messageId="a"), {"type": "track", "userId": "ada@shop.test"}, {"type": "track", "event": "X"},
                           {"type": "launch", "userId": "u"}, 7, _track(messageId="b", event="Paid"),
                           _track(messageId="c\u0000d", event="Cut Short")]}
        got = client.post(f"{server.url}/v1/batch", json=batch)
        assert got.status_code == 200
        assert got.json() == {"success": True, "rejected": [
            {"index": 1, "error": "a track needs `event`, a name such as \"Form Submitted\""},
            {"index": 2, "error": "a call needs `userId` or `anonymousId`"},
            {"index": 3, "error": "`type` must be one of track, page, screen, identify, group, alias, not 'launch'"},
            {"index": 4, "error": "a call must be a JSON object, not int"},
            {"index": 6, "error": "`messageId` contains a NUL character (\\u0000)"}]}
        assert [t for _, t, _ in recorded(store)] == ["signed_up", "paid"]
        with store.session() as s:
            log = list(s.scalars(select(IntakeLogRow.line).order_by(IntakeLogRow.id)))
        assert log[0] == "batch item 1: a track needs `event`, a name such as \"Form Submitted\"" and len(log) == 5
        # and it still serves: a good single call after all of that
        assert client.post(f"{server.url}/v1/track", json=_track(event="Still Here")).json() == {"success": True}
    assert recorded(store)[-1][1] == "still_here"


def test_the_tracking_api_serves_where_the_keyring_is_unavailable_and_tracking_links_are_404(tmp_path):
    import keyring
    from keyring.backends.fail import Keyring as NoKeyring
    previous = keyring.get_keyring()
    keyring.set_keyring(NoKeyring())
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    server = IntakeServer(store, port=0)
    try:
        server.start()                                   # builds every route with no keyring to ask
        key = sources.add_source(store, "website")
        assert httpx.post(f"{server.url}/v1/track", json=_track(), auth=(key, "")).json() == {"success": True}
        assert httpx.get(f"{server.url}/c/AAAAAAAAAAAAAAAAAAAAAAAA").status_code == 404
        assert counts(store)[0] == 1
    finally:
        server.stop()
        store.close()
        keyring.set_keyring(previous)


def test_source_add_prints_the_key_once_and_the_workspace_keeps_only_its_hash(tmp_path):
    ws = tmp_path / "w.sqlite"

    def sw(*args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "switchback.app", *args, "--workspace", str(ws)], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
    added = sw("source", "add", "website")
    assert added.returncode == 0, added.stderr
    key = added.stdout.splitlines()[-1]
    assert len(key) >= 40 and key not in sw("source", "list").stdout
    assert key.encode() not in ws.read_bytes() and key.encode() not in b"".join(
        p.read_bytes() for p in tmp_path.glob("w.sqlite*"))
    assert sw("source", "list").stdout.startswith("website\tadded ")
    again = sw("source", "add", "website")
    assert again.returncode == 2 and again.stderr.strip() == "source website: already exists (remove it first to make a new write key)"
    store = Store(f"sqlite:///{ws}")
    with store.session() as s:
        assert s.scalar(select(Source.key_hash)) == sources.key_hash(key)
    store.close()
    assert sw("source", "remove", "website").stdout.strip() == "source website removed: its write key no longer works"
    gone = sw("source", "remove", "website")
    assert gone.returncode == 2 and gone.stderr.strip() == "source website: no such source"
