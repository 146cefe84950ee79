"""Stand-ins for the providers, on 127.0.0.1, each checking the request the way its provider
documents it and answering in the provider's own format, so a sender that drifts from the
documented shape fails here rather than in a customer's account. Any of them can be told to fail
(`fail(...)`) or to be slow (`slow(...)`); every one stops, sockets and all, when its `with`
block ends.

Shapes followed:
- SendGrid v3 Mail Send: Bearer auth, JSON `personalizations[].to[].email`, `from.email`,
  `subject`, `content[]` (text/plain before text/html), string-valued `headers` and
  `custom_args`; 202 on success; errors as `{"errors": [{"message", "field", "help"}]}`;
  suppressions as lists of `{created, email[, reason, status]}` filtered by `start_time` and paged
  by `limit`/`offset`.
- Twilio Messages: HTTP basic auth (account SID, auth token), form-encoded `To`, `From`, `Body`
  to `/2010-04-01/Accounts/{AccountSid}/Messages.json`; 201 and the message resource on success;
  errors as `{"code", "message", "more_info", "status"}` (21211 for an invalid 'To').
- Slack incoming webhook: JSON with `text`; `ok` on success; plain-string errors
  (`invalid_payload` 400, `no_service` 404).
- A webhook receiver that requires `Idempotency-Key` and verifies Standard Webhooks signatures
  (with the `standardwebhooks` package) or the earlier HMAC header.
- SMTP (aiosmtpd): optional AUTH, STARTTLS or TLS from the start, refused recipients, 4xx
  deferrals, slow replies, a connection dropped after taking the message.
"""
from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
E164 = re.compile(r"^\+[1-9]\d{1,14}$")


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------------
# HTTP

@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    query_text: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode(), keep_blank_values=True)

    def basic_auth(self) -> tuple[str, str] | None:
        value = self.headers.get("Authorization", "")
        if not value.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(value[6:]).decode().partition(":")
        return user, password


@dataclass
class Reply:
    status: int
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return self.body, "application/octet-stream"


class FakeHTTP:
    """An HTTP server in a thread. Subclasses answer `answer(request)` like their provider; with
    `keep_alive` it speaks HTTP/1.1 and keeps connections open, as the CRMs a sync pages through do."""
    keep_alive = False

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.forced: Reply | None = None
        self.delay = 0.0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- what a test tells it ------------------------------------------------------------------------
    def fail(self, status: int, body: Any = b"", headers: dict[str, str] | None = None) -> None:
        """From now on, answer every request with this (after recording it)."""
        self.forced = Reply(status, body, headers or {})

    def slow(self, seconds: float) -> None:
        """Wait this long before answering (cut short when the server stops)."""
        self.delay = seconds

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    # -- running ---------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeHTTP:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5
            if fake.keep_alive:
                protocol_version = "HTTP/1.1"
                wbufsize = 1 << 16              # headers and body leave in one write: no Nagle/delayed-ACK stalls
                disable_nagle_algorithm = True

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self.command, parts.path, parse_qs(parts.query), self.headers,
                                  self.rfile.read(length) if length else b"", parts.query)
                fake.requests.append(request)
                if fake.delay and fake._stopping.wait(fake.delay):
                    return
                reply = fake.forced or fake.answer(request)
                body, content_type = reply.encoded()
                self.send_response(reply.status)
                headers = {"Content-Type": content_type, **reply.headers, "Content-Length": str(len(body))}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):     # the client gave up waiting
                    pass

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address) -> None:
                pass        # a client that timed out and left: expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stopping.set()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _sendgrid_error(message: str, field: str | None) -> dict[str, Any]:
    return {"errors": [{"message": message, "field": field,
                        "help": "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html"}]}


class FakeSendGrid(FakeHTTP):
    RESERVED = {"x-sg-id", "x-sg-eid", "received", "dkim-signature", "content-type", "content-transfer-encoding",
                "to", "from", "subject", "reply-to", "cc", "bcc"}

    def __init__(self, api_key: str = "SG.test-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.bounces: list[dict[str, Any]] = []
        self.unsubscribes: list[dict[str, Any]] = []

    def answer(self, r: Request) -> Reply:
        if r.headers.get("Authorization") != f"Bearer {self.api_key}":
            return Reply(401, _sendgrid_error("The provided authorization grant is invalid, expired, or revoked", None))
        if r.method == "POST" and r.path == "/v3/mail/send":
            return self._mail_send(r)
        if r.method == "GET" and r.path in ("/v3/suppression/bounces", "/v3/suppression/unsubscribes"):
            return self._suppressions(r, self.bounces if r.path.endswith("bounces") else self.unsubscribes)
        return Reply(404, _sendgrid_error("not found", None))

    def _mail_send(self, r: Request) -> Reply:
        if not r.headers.get("Content-Type", "").startswith("application/json"):
            return Reply(415, _sendgrid_error("Content-Type should be application/json.", None))
        try:
            body = r.json()
        except ValueError:
            return Reply(400, _sendgrid_error("Bad Request", None))
        people = body.get("personalizations")
        if not isinstance(people, list) or not people:
            return Reply(400, _sendgrid_error("You must have at least one personalization.", "personalizations"))
        for i, person in enumerate(people):
            if not isinstance(person.get("to"), list) or not person["to"]:
                return Reply(400, _sendgrid_error("The to array is required for all personalization objects, "
                                                  "and must have at least one email object with a valid email address.",
                                                  f"personalizations.{i}.to"))
            for j, to in enumerate(person["to"]):
                if not EMAIL.match(str(to.get("email", ""))):
                    return Reply(400, _sendgrid_error("Does not contain a valid address.",
                                                      f"personalizations.{i}.to.{j}.email"))
        if not isinstance(body.get("from"), dict) or not EMAIL.match(str(body["from"].get("email", ""))):
            return Reply(400, _sendgrid_error("The from object must be provided for every email send. It is an object "
                                              "that requires the email parameter, but may also contain a name parameter.",
                                              "from"))
        if not body.get("subject"):
            return Reply(400, _sendgrid_error("The subject is required. You can get around this requirement if you use "
                                              "a template with a subject defined or if every personalization has a subject "
                                              "defined.", "subject"))
        content = body.get("content")
        if not isinstance(content, list) or not content or any(not c.get("type") or not c.get("value") for c in content):
            return Reply(400, _sendgrid_error("The content value must be a string at least one character in length.",
                                              "content"))
        types = [c["type"] for c in content]
        if "text/plain" in types and types.index("text/plain") != 0:
            return Reply(400, _sendgrid_error("If present, text/plain content must be first, followed by text/html, "
                                              "followed by any other content.", "content"))
        for name, value in (body.get("headers") or {}).items():
            if name.lower() in self.RESERVED or not isinstance(value, str):
                return Reply(400, _sendgrid_error("Invalid type. Expected: string, or reserved header.", f"headers.{name}"))
        for name, value in (body.get("custom_args") or {}).items():
            if not isinstance(value, str):
                return Reply(400, _sendgrid_error("Invalid type. Expected: string.", f"custom_args.{name}"))
        return Reply(202, b"", {"X-Message-Id": "fake-sendgrid-message-id"})

    def _suppressions(self, r: Request, rows: list[dict[str, Any]]) -> Reply:
        start = int(r.query.get("start_time", ["0"])[0])
        limit = int(r.query.get("limit", ["500"])[0])
        offset = int(r.query.get("offset", ["0"])[0])
        if limit > 500:
            return Reply(400, _sendgrid_error("limit must be at most 500", "limit"))
        chosen = [row for row in rows if row["created"] >= start]
        return Reply(200, chosen[offset:offset + limit])


class FakeTwilio(FakeHTTP):
    def __init__(self, account_sid: str = "AC00000000000000000000000000000000", auth_token: str = "twilio-token") -> None:
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token

    @staticmethod
    def error(status: int, code: int, message: str) -> Reply:
        return Reply(status, {"code": code, "message": message,
                              "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})

    def answer(self, r: Request) -> Reply:
        if r.path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json" or r.method != "POST":
            return self.error(404, 20404, f"The requested resource {r.path} was not found")
        if r.basic_auth() != (self.account_sid, self.auth_token):
            return self.error(401, 20003, "Authenticate")
        if not r.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.error(400, 20001, "Expected form-encoded parameters")
        form = r.form()
        to, sender, body = (form.get(k, [""])[0] for k in ("To", "From", "Body"))
        if not to:
            return self.error(400, 21604, "A 'To' phone number is required.")
        if not E164.match(to):
            return self.error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender:
            return self.error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return self.error(400, 21602, "Message body is required.")
        sid = "SM" + hashlib.sha256(r.body).hexdigest()[:32]
        return Reply(201, {"sid": sid, "account_sid": self.account_sid, "to": to, "from": sender, "body": body,
                           "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
                           "error_code": None, "error_message": None,
                           "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"})


class FakeSlack(FakeHTTP):
    PATH = "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX"

    @property
    def webhook_url(self) -> str:
        return self.url + self.PATH

    def answer(self, r: Request) -> Reply:
        if r.path != self.PATH or r.method != "POST":
            return Reply(404, "no_service")
        try:
            body = r.json()
        except ValueError:
            return Reply(400, "invalid_payload")
        if not isinstance(body, dict) or not (isinstance(body.get("text"), str) and body["text"]) and not body.get("blocks"):
            return Reply(400, "invalid_payload")
        return Reply(200, "ok")


class FakeReceiver(FakeHTTP):
    """Someone's endpoint: wants an Idempotency-Key, and a valid signature when it shares a secret,
    checked as a receiver would: Standard Webhooks with the `standardwebhooks` package's verifier,
    or with `legacy` the earlier X-Switchback-Signature HMAC; `verdicts` keeps what the verifier said."""

    def __init__(self, signing_secret: str | None = None, legacy: bool = False) -> None:
        super().__init__()
        self.signing_secret, self.legacy = signing_secret, legacy
        self.verdicts: list[str] = []

    def answer(self, r: Request) -> Reply:
        if not r.headers.get("Idempotency-Key"):
            return Reply(400, {"error": "Idempotency-Key is required"})
        if self.signing_secret and self.legacy:
            signed = r.headers.get("X-Switchback-Timestamp", "").encode() + b"." + r.body
            expected = "sha256=" + hmac.new(self.signing_secret.encode(), signed, hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, r.headers.get("X-Switchback-Signature", "")):
                return Reply(401, {"error": "bad signature"})
        elif self.signing_secret:
            from standardwebhooks.webhooks import Webhook, WebhookVerificationError
            try:
                Webhook(self.signing_secret).verify(r.body, dict(r.headers.items()), json_parse=False)
            except WebhookVerificationError as e:
                self.verdicts.append(str(e))
                return Reply(401, {"error": str(e)})
            self.verdicts.append("verified")
        if r.body and not r.headers.get("Content-Type", "").startswith("application/json"):
            return Reply(415, {"error": "expected JSON"})
        return Reply(200, {"received": True})


# --------------------------------------------------------------------------------------------------
# SMTP

def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 / localhost and its key, made now (needs `cryptography`)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage
    tls: bool
    login: str | None


class FakeSMTP:
    """An SMTP server (aiosmtpd) on 127.0.0.1.

    tls: None (plain), "starttls" (offered and required before MAIL) or "tls" (from the start);
    users: when given, AUTH is offered (after TLS, unless the server is plain; required with TLS)."""

    def __init__(self, tls: str | None = None, users: dict[str, str] | None = None, cert: tuple[Path, Path] | None = None):
        self.tls, self.users, self.cert = tls, users, cert
        self.received: list[Received] = []
        self.refuse: set[str] = set()          # recipients answered 550 5.1.1
        self.busy: set[str] = set()            # recipients answered 450 4.2.1 (try later)
        self.defer: str | None = None           # a 4xx reply to DATA
        self.delay = 0.0                        # seconds before answering DATA (the message taken, or deferred)
        self.drop = False                       # take the message, then close the connection without a reply
        self._controller = None

    @property
    def port(self) -> int:
        return self._controller.port

    # aiosmtpd handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table"
        if address in self.busy:
            return f"450 4.2.1 <{address}>: Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.defer:
            await asyncio.sleep(self.delay)
            return self.defer
        raw = (envelope.original_content or envelope.content).replace(b"\r\n", b"\n")     # as a mailbox stores it
        message = email.message_from_bytes(raw, policy=email.policy.default)
        login = session.auth_data.login.decode() if session.authenticated and session.auth_data else None
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, tls, login))
        await asyncio.sleep(self.delay)                # taken: a reply that comes late
        if self.drop:
            server.transport.abort()
        return "250 2.0.0 Ok: queued"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult
        ok = (self.users or {}).get(auth_data.login.decode()) == auth_data.password.decode()
        return AuthResult(success=ok, auth_data=auth_data if ok else None, handled=False)

    def __enter__(self) -> FakeSMTP:
        from aiosmtpd.controller import Controller

        context = None
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*map(str, self.cert))
        kwargs: dict[str, Any] = {"server_hostname": "fake-smtp.test"}
        if self.tls == "starttls":
            kwargs.update(tls_context=context, require_starttls=True)
        elif self.tls == "tls":
            kwargs.update(ssl_context=context)
        if self.users is not None:
            # AUTH is required once TLS is on; the plain server offers it without requiring it
            kwargs.update(authenticator=self._authenticate, auth_required=self.tls is not None,
                          auth_require_tls=self.tls is not None)

        class AnyPort(Controller):
            """aiosmtpd's Controller, bound to a free port chosen by the system."""

            async def _bind(self):
                server = await self.loop.create_server(self._factory_invoker, host=self.hostname, port=0,
                                                       ssl=self.ssl_context)
                self.port = server.sockets[0].getsockname()[1]
                return server

            def _create_server(self):
                return self._bind()

        self._controller = AnyPort(self, hostname="127.0.0.1", port=0, **kwargs)
        self._controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._controller.stop()
