"""What may leave the machine, and where to (issue 21, Egress; findings M3 and L1).

A webhook node's own URL is refused at validation when it is written as a non-public address, and
at send time after resolving, before any connection: every test here records each socket connect
the process attempts, and a connect to anything outside 127.0.0.0/8 and ::1 is stopped, not made.
A connector's URL is the owner's choice: saved, with a warning. Secrets never sit in a URL's query."""
from __future__ import annotations

import ipaddress
import json
import socket
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from switchback.connectors.webhook import WebhookSender, WebhookSettings
from switchback.runtime.outbox import PermanentFailure, TemporaryFailure
from switchback.runtime.store.models import ConnectorRow, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.conftest import ROOT
from tests.connectors.servers import FakeReceiver

pytestmark = pytest.mark.timeout(60)

REFUSED_AS_WRITTEN = {      # a node URL's host -> what the problem line says it is
    "127.0.0.1": "loopback", "2130706433": "loopback", "0x7f.1": "loopback", "017700000001": "loopback",
    "127.1": "loopback", "[::1]": "loopback", "[::ffff:127.0.0.1]": "loopback", "localhost": "loopback",
    "169.254.169.254": "cloud metadata", "[fd00:ec2::254]": "cloud metadata", "metadata.google.internal": "metadata",
    "10.0.0.7": "private", "192.168.1.1": "private", "172.16.0.1": "private", "[fd12::1]": "unique-local",
    "[fe80::1]": "link-local", "169.254.1.1": "link-local", "224.0.0.1": "multicast", "0.0.0.0": "unspecified",
    "[::]": "unspecified", "[2002:7f00:1::]": "loopback",
}


@pytest.fixture
def connects(monkeypatch):
    """Every address this process tries to connect a socket to; one outside loopback is stopped."""
    seen: list[tuple] = []
    real = socket.socket.connect

    def connect(sock, address):
        seen.append(address)
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and not ipaddress.ip_address(host.partition("%")[0]).is_loopback:
            raise OSError(f"the test stopped a connection to {host}")
        return real(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


@pytest.fixture
def hosts(monkeypatch):
    """Fixes what a name resolves to, in the project's own resolver (no DNS asked)."""
    from switchback.connectors import egress
    return lambda name, *addresses: monkeypatch.setitem(egress.HOSTS, name, addresses)


@pytest.fixture
def listener():
    """A socket listening on 127.0.0.1 that no one should reach: `reached()` says if anyone did."""
    sock = socket.create_server(("127.0.0.1", 0))
    sock.setblocking(False)

    class Listener:
        port = sock.getsockname()[1]

        @staticmethod
        def reached() -> bool:
            try:
                sock.accept()[0].close()
                return True
            except BlockingIOError:
                return False

    yield Listener
    sock.close()


def message(url: str | None) -> OutboxRow:
    """A webhook message from a node: with its own URL, or (None) for the connector's."""
    payload = {"method": "POST", "body": {"n": 1}} | ({"url": url} if url else {})
    return OutboxRow(key="enr-1/hooks/call", channel="webhook", connector=None, to=None, journey="hooks",
                     node="call", payload=payload, at=datetime.now(timezone.utc), status="sending", attempts=1)


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture
def anonymous(tmp_path):
    """The sender a webhook node with its own URL gets in a workspace (which has a connector, so
    messages are sent rather than recorded), with `allow_private_webhooks` as asked."""
    from switchback.connectors.workspace import sender_for
    from switchback.runtime.store import repository as repo
    made = []

    def make(private_ok: bool = False):
        store = Store(f"sqlite:///{tmp_path}/w{len(made)}.sqlite")
        with store.session() as s:
            s.add(ConnectorRow(name="mail", kind="record", settings={}))
            if private_ok:
                repo.set_setting(s, "allow_private_webhooks", True)
        made.append(store)
        return sender_for(store)("webhook", None)
    return make


def sw(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "switchback.app", *map(str, args)], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


# --- validation: the URL as written ------------------------------------------------------------------

def test_a_node_url_written_as_a_non_public_address_is_one_problem_line(tmp_path):
    nodes = [{"id": "start", "kind": "trigger.manual", "config": {}}]
    edges = []
    for i, host in enumerate(REFUSED_AS_WRITTEN):
        nodes.append({"id": f"n{i}", "kind": "action.webhook", "config": {"url": f"http://{host}:8091/hook"}})
        edges.append({"from": nodes[-2]["id"], "to": f"n{i}"})
    nodes.append({"id": "public", "kind": "action.webhook", "config": {"url": "https://hooks.example.com/in"}})
    edges.append({"from": nodes[-2]["id"], "to": "public"})
    path = tmp_path / "hooks.journey.json"
    path.write_text(json.dumps({"format": "switchback.journey/1", "key": "hooks", "name": "Hooks",
                                "nodes": nodes, "edges": edges}))
    p = sw("validate", path)
    lines = p.stdout.splitlines()
    assert p.returncode == 1 and len(lines) == len(REFUSED_AS_WRITTEN), p.stdout + p.stderr
    for i, (host, kind) in enumerate(REFUSED_AS_WRITTEN.items()):
        assert lines[i].startswith(f"{path}:n{i}: config: url: "), lines[i]
        assert kind in lines[i] and "must reach a public address" in lines[i], lines[i]
    assert "2130706433 means 127.0.0.1, a loopback address" in lines[1]


def test_a_node_url_with_a_secret_in_its_query_is_refused(tmp_path):
    path = tmp_path / "hooks.journey.json"
    path.write_text(json.dumps({"format": "switchback.journey/1", "key": "hooks", "name": "Hooks", "nodes": [
        {"id": "start", "kind": "trigger.manual", "config": {}},
        {"id": "call", "kind": "action.webhook", "config": {"url": "https://hooks.example.com/in?page=2&api_key=k-9"}}],
        "edges": [{"from": "start", "to": "call"}]}))
    p = sw("validate", path)
    assert p.returncode == 1
    assert p.stdout.splitlines() == [f"{path}:call: config: url: its query carries a secret (api_key), which would be "
                                     "stored and exported in plain text; put the URL in a webhook connector's "
                                     "secret_url secret instead"]


# --- sending: resolve, check every address, connect only to a checked one --------------------------

@pytest.mark.parametrize("host", ["127.0.0.1", "2130706433", "0x7f.1", "017700000001", "127.1", "[::1]",
                                  "[::ffff:127.0.0.1]", "localhost"])
def test_a_node_url_to_this_machine_is_refused_before_connecting(host, anonymous, connects, listener):
    sender = anonymous()
    with pytest.raises(PermanentFailure, match="refused to send: .*loopback address") as e:
        sender.send(message(f"http://{host}:{listener.port}/hook"))
    assert "a node's URL must reach a public address" in str(e.value)
    assert connects == [] and not listener.reached()


@pytest.mark.parametrize("answer, kind", [(("169.254.169.254",), "cloud metadata"), (("10.1.2.3",), "private"),
                                          (("8.8.8.8", "127.0.0.1"), "loopback"), (("fe80::1",), "link-local")])
def test_a_name_that_resolves_inside_is_refused_before_connecting(answer, kind, anonymous, hosts, connects, listener):
    hosts("hooks.example.com", *answer)
    with pytest.raises(PermanentFailure, match=f"refused to send: hooks.example.com resolves to .*, an? {kind} address"):
        anonymous().send(message(f"http://hooks.example.com:{listener.port}/hook"))
    assert connects == [] and not listener.reached()         # not even to the public address it also has


def test_metadata_and_link_local_stay_refused_when_the_owner_allows_private_networks(anonymous, connects):
    for url in ("http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/", "http://0.0.0.0/"):
        with pytest.raises(PermanentFailure, match="refused to send: "):
            anonymous(private_ok=True).send(message(url))
    assert connects == []


def test_an_allowed_name_is_connected_at_the_address_that_was_checked(anonymous, hosts, connects):
    """The owner allowed private networks; the name is resolved once, by us, and the request goes to
    that address with the name as its Host (a second resolution by httpx would fail: the name exists
    only in the resolver's table)."""
    hosts("receiver.test", "127.0.0.1")
    with FakeReceiver() as server:
        sender = anonymous(private_ok=True)
        sender.send(message(f"http://receiver.test:{port_of(server)}/in"))
        with pytest.raises(PermanentFailure, match="loopback"):
            anonymous().send(message(f"http://receiver.test:{port_of(server)}/in"))
    [r] = server.requests
    assert r.path == "/in" and r.headers["Host"] == f"receiver.test:{port_of(server)}" and r.json() == {"n": 1}
    assert connects == [("127.0.0.1", port_of(server))]


def test_the_workspace_setting_opens_node_urls_to_its_own_network(tmp_path, hosts, connects):
    from switchback.connectors.workspace import sender_for
    ws = tmp_path / "w.sqlite"
    store = Store(f"sqlite:///{ws}")
    hosts("receiver.test", "127.0.0.1")
    with FakeReceiver() as server:
        with store.session() as s:
            s.add(ConnectorRow(name="mail", kind="record", settings={}))     # not a workspace without connectors
        with pytest.raises(PermanentFailure, match="allow_private_webhooks"):
            sender_for(store)("webhook", None).send(message(f"http://receiver.test:{port_of(server)}/in"))
        p = sw("workspace", "set", "allow_private_webhooks=true", "--workspace", ws)
        assert p.returncode == 0, p.stderr
        sender_for(store)("webhook", None).send(message(f"http://receiver.test:{port_of(server)}/in"))
    assert len(server.requests) == 1
    bad = sw("workspace", "set", "allow_private_webhooks=yes", "--workspace", ws)
    assert bad.returncode == 2 and "allow_private_webhooks: 'yes' is not true or false" in bad.stdout + bad.stderr


def test_the_targets_error_body_is_kept_as_one_short_line(connects):
    with FakeReceiver() as server:
        server.fail(500, "<html>\n" + "stack trace line\n" * 400 + "</html>")
        sender = WebhookSender("hook", WebhookSettings(url=server.url + "/in", timeout=2), {}.get)
        with pytest.raises(TemporaryFailure) as e:
            sender.send(message(None))
    reason = str(e.value)
    assert reason.startswith(f"{server.url}/in answered HTTP 500: <html> stack trace line")
    assert "\n" not in reason and len(reason) <= len(f"{server.url}/in answered HTTP 500: ") + 120


# --- a connector's settings: the owner's choice, said plainly; no secret in a URL --------------------

def test_a_webhook_url_with_a_token_is_not_stored_and_the_secret_url_is_used_instead(tmp_path, test_keyring, connects):
    ws = tmp_path / "w.sqlite"
    p = sw("connector", "add", "hook", "--kind", "webhook", "--set", "url=https://hooks.example.com/in?token=t-123",
           "--workspace", ws)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    out = (p.stdout + p.stderr).strip()
    assert len(out.splitlines()) == 1 and "--set url" in out and "put it in the secret" in out
    with Store(f"sqlite:///{ws}").session() as s:
        assert s.get(ConnectorRow, "hook") is None
    with FakeReceiver() as server:
        secret_url = f"{server.url}/in?token=t-123"
        p = sw("connector", "add", "hook", "--kind", "webhook", "--secret", "secret_url", "--workspace", ws,
               stdin=secret_url + "\n")
        assert p.returncode == 0, p.stderr
        with Store(f"sqlite:///{ws}").session() as s:
            assert "t-123" not in json.dumps(s.get(ConnectorRow, "hook").settings)
        from switchback.connectors.secrets import get_secret
        sender = WebhookSender("hook", WebhookSettings(), lambda key: get_secret("hook", key))
        sender.send(message(None))
        server.fail(404, "gone")
        with pytest.raises(PermanentFailure) as e:
            sender.send(message(None))
    assert server.requests[0].query == {"token": ["t-123"]}
    assert "t-123" not in str(e.value) and "the secret_url of 'hook'" in str(e.value)


def test_a_private_connector_url_is_saved_with_a_warning(tmp_path):
    ws = tmp_path / "w.sqlite"
    p = sw("connector", "add", "hook", "--kind", "webhook", "--set", "url=http://10.0.0.7:8080/in", "--workspace", ws)
    assert p.returncode == 0, p.stderr
    assert p.stderr.splitlines() == ["warning: hook: url: 10.0.0.7 is a private address "
                                  "(allowed: a connector's address is yours to choose)"]
    with Store(f"sqlite:///{ws}").session() as s:
        assert s.get(ConnectorRow, "hook").settings["url"] == "http://10.0.0.7:8080/in"


@pytest.mark.parametrize("kind, settings, secret, words", [
    ("hubspot", ["base_url=http://crm.example.com"], "access_token", "the access_token would travel unencrypted"),
    ("sendgrid", ["from=news@example.com", "base_url=http://sg.example.com"], "api_key", "the api_key would travel"),
    ("smtp", ["host=mail.example.com", "from=news@example.com", "tls=none", "username=news"], "password",
     "tls=none with a user name: the password would travel unencrypted"),
])
def test_a_secret_that_would_travel_unencrypted_gets_a_warning(kind, settings, secret, words, tmp_path, test_keyring):
    ws = tmp_path / "w.sqlite"
    args = [a for pair in settings for a in ("--set", pair)]
    p = sw("connector", "add", "c", "--kind", kind, *args, "--secret", secret, "--workspace", ws, stdin="s-1\n")
    assert p.returncode == 0, p.stderr
    [line] = p.stderr.splitlines()
    assert line.startswith("warning: c: ") and words in line
    quiet = sw("connector", "add", "d", "--kind", kind, *[a.replace("http://", "https://").replace("tls=none", "tls=tls")
                                                          for a in args], "--workspace", ws)
    assert quiet.returncode == 0 and quiet.stderr == ""


def test_a_secret_in_a_providers_api_address_is_refused(tmp_path):
    p = sw("connector", "add", "crm", "--kind", "hubspot", "--set", "base_url=https://api.hubapi.com/?hapikey=abc",
           "--workspace", tmp_path / "w.sqlite")
    assert p.returncode == 2 and "--set base_url" in p.stdout + p.stderr and "hapikey" in p.stdout + p.stderr
