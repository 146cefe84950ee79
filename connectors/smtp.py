"""`smtp`: email through any SMTP server (a relay, a mailbox provider, a local test server).

SMTP has no idempotency key, so this sender is not idempotent: a hand-off cut short after the
server had the whole message (it dropped the connection, or its reply to DATA came too late) is
`Uncertain` and flagged for a person rather than sent again; anything that goes wrong before the
message's content has gone out cannot have delivered it, and is tried again. The Message-ID is
derived from the outbox key all the same, so a receiver that de-duplicates on it can drop a copy."""
from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from typing import Annotated, Any, Literal
from urllib.parse import quote

from pydantic import AfterValidator, Field

from switchback.connectors.egress import cleartext_login
from switchback.connectors.http import SecretGetter, Secrets, SenderSettings, timeout_field
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.outbox import NeedsSetup, PermanentFailure, TemporaryFailure, Uncertain
from switchback.runtime.tracking import Tracking, fill_unsubscribe

DEFAULT_UNSUBSCRIBE = "mailto:{from}?subject=unsubscribe"


def _address(value: str) -> str:
    if "@" not in parseaddr(value)[1]:
        raise ValueError(f"{value!r} is not an email address")
    return value


Address = Annotated[str, AfterValidator(_address)]       # `Name <address>` or an address


def _unsubscribe_link(value: str | None) -> str | None:
    if value is not None and not value.startswith(("mailto:", "https://", "http://")):
        raise ValueError("use a mailto: or https:// URL")
    return value


UnsubscribeLink = Annotated[str | None, AfterValidator(_unsubscribe_link)]


def unsubscribe_field() -> Any:
    """Every email sender's own unsubscribe address setting (SMTP, SendGrid)."""
    return Field(None, title="Unsubscribe link",
                 description="A mailto: or https: URL for the List-Unsubscribe header; {email} becomes the recipient. "
                             "Default: mailto:{from}?subject=unsubscribe.")


class SmtpSettings(SenderSettings):
    host: str = Field(min_length=1, title="Server", description="The SMTP server's host name.")
    port: int = Field(587, ge=1, le=65535, title="Port",
                      description="587 for STARTTLS, 465 for TLS from the start, 25 for a local relay.")
    from_: Address = Field(alias="from", title="From", description="The sender, `Name <address>` or an address.")
    tls: Literal["starttls", "tls", "none"] = Field(
        "starttls", title="Encryption",
        description="starttls: upgrade after connecting; tls: encrypted from the start; none: plain (local relays only).")
    username: str | None = Field(None, title="User name", description="Log in as this user (the password is a secret).")
    verify_tls: bool = Field(True, title="Verify the certificate",
                             description="Turn off only for a test server with a self-signed certificate.")
    unsubscribe: UnsubscribeLink = unsubscribe_field()
    timeout: float = timeout_field()

def message_id(key: str, sender: str) -> str:
    """The same key always gives the same Message-ID (RFC 5322 msg-id: a digest, then a domain)."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "switchback.invalid"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}.switchback@{domain}>"


def unsubscribe_url(template: str | None, recipient: str, sender: str) -> str:
    """The connector's own unsubscribe address for one recipient (its mailto: by default)."""
    url = (template or DEFAULT_UNSUBSCRIBE).replace("{from}", parseaddr(sender)[1])
    return url.replace("{email}", quote(recipient, safe="@"))


def unsubscribe_headers(url: str) -> dict[str, str]:
    """List-Unsubscribe, and the RFC 8058 one-click header when the URL is https (RFC 8058 asks
    for an HTTPS URI before a receiver may POST to unsubscribe; a mailto: alone does not offer
    one-click)."""
    headers = {"List-Unsubscribe": f"<{url}>"}
    if url.startswith("https://"):
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def recipient(message, payload: dict) -> tuple[str, str]:
    """(as given, the bare address) of an email's recipient; PermanentFailure when there is none."""
    to = message.to or payload.get("to")
    address = parseaddr(str(to or ""))[1]
    if "@" not in address:
        raise PermanentFailure(f"not an email address: {to!r}")
    return str(to), address


def compose(message, payload: dict, template: str | None, recipient: str, sender: str,
            tracking: Tracking | None) -> tuple[str, str | None, dict[str, str]]:
    """(text, html, headers) of an email as it leaves: with the workspace's tracking (a journey's
    email, once the outbox has given it an id) its html links and open pixel go through
    `public_url` and it unsubscribes there; else as composed, with the connector's address.
    `{{ unsubscribe_url }}` becomes that address either way. A notify (to a teammate) has no
    List-Unsubscribe and no tracking."""
    text, html = payload.get("body") or "", payload.get("html") or None
    url = unsubscribe_url(template, recipient, sender)
    marketing = message.channel == "email"
    if marketing and tracking is not None and getattr(message, "id", None):      # a test send's id is 0: not tracked
        url = tracking.unsubscribe_url(message.id)
        html = tracking.html(message.id, html) if html else None
    text, html = fill_unsubscribe(text, url), fill_unsubscribe(html, url) if html else None
    return text, html, unsubscribe_headers(url) if marketing else {}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


class SmtpSender:
    idempotent = False          # SMTP cannot de-duplicate: a second hand-off could deliver twice
    channels = ("email", "notify")
    tracking: Tracking | None = None          # the workspace's (connectors/tracking.py), when it has public_url

    def __init__(self, name: str, settings: SmtpSettings, secret: SecretGetter):
        self.name, self.settings = name, settings
        self.secrets = Secrets(name, "smtp", secret)

    # -- the message -----------------------------------------------------------------------------
    def build(self, message) -> EmailMessage:
        """The email as it will be sent; separate from `send` so previews and tests can read it."""
        s, payload = self.settings, message.payload or {}
        to, address = recipient(message, payload)
        sender = payload.get("from") or s.from_
        text, html, headers = compose(message, payload, s.unsubscribe, address, s.from_, self.tracking)
        email = EmailMessage()
        try:
            email["From"] = sender
            email["To"] = to
            email["Subject"] = _one_line(payload.get("subject", ""))
            email["Date"] = formatdate(usegmt=True)
            email["Message-ID"] = message_id(message.key, sender)
            for header, value in headers.items():
                email[header] = value
        except (ValueError, TypeError) as e:
            raise PermanentFailure(f"cannot build the email: {e}") from None
        email.set_content(text)
        if html:
            email.add_alternative(html, subtype="html")
        return email

    # -- the hand-off ----------------------------------------------------------------------------
    def send(self, message) -> None:
        if message.channel not in self.channels:
            raise PermanentFailure(f"connector {self.name!r} (smtp) cannot send {message.channel} messages")
        s = self.settings
        password = self.secrets.need("password") if s.username else None
        email = self.build(message)
        envelope_from = parseaddr(s.from_)[1]
        smtp: _Watched | None = None
        try:
            smtp = self._connect()
            if s.username:
                smtp.login(s.username, password)
            smtp.send_message(email, from_addr=envelope_from, to_addrs=[parseaddr(str(email["To"]))[1]])
        except Exception as e:                      # noqa: BLE001 — each kind is mapped below
            if smtp is not None and smtp.handed and not isinstance(e, smtplib.SMTPResponseException):
                raise Uncertain(f"{s.host}:{s.port} " + (
                    f"did not answer within {s.timeout:g} s" if isinstance(e.__context__ or e, TimeoutError) else
                    "closed the connection") + " after it was handed the whole message") from None
            failure = _failure(e, s)
            if failure is None:
                raise
            raise failure from None
        finally:
            if smtp is not None:
                try:
                    smtp.quit()
                except Exception:                   # noqa: BLE001 — the message is already handed over or failed
                    smtp.close()

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if not self.settings.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> _Watched:
        s = self.settings
        if s.tls == "tls":
            return _WatchedSSL(s.host, s.port, timeout=s.timeout, context=self._context())
        smtp = _Watched(s.host, s.port, timeout=s.timeout)
        if s.tls == "starttls":
            try:
                smtp.starttls(context=self._context())
            except BaseException:
                smtp.close()
                raise
        return smtp


class _Watched(smtplib.SMTP):
    """smtplib's client, noting the moment the message's content has all gone out after the
    server's 354 (go ahead): from then until the server's reply, it may have accepted the message."""
    go_ahead = handed = False

    def getreply(self) -> tuple[int, bytes]:
        code, text = super().getreply()
        self.go_ahead = self.go_ahead or code == 354          # only DATA is answered 354
        return code, text

    def send(self, s: bytes | str) -> None:
        super().send(s)
        self.handed = self.handed or self.go_ahead


class _WatchedSSL(_Watched, smtplib.SMTP_SSL):
    pass


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {_one_line(text)}"


def _mismatch(error: str, s: SmtpSettings) -> str:
    """What in the connector's settings asked for what the server lacks."""
    if "AUTH" in error:
        return f" (username={s.username} is set, but the server offers no login; unset it or use another server)"
    if "STARTTLS" in error.upper() and s.tls == "starttls":
        return " (tls=starttls, but the server offers no STARTTLS)"
    return ""


def _failure(e: Exception, s: SmtpSettings) -> Exception | None:
    """What an smtplib or socket error before the message's content went out means for it: 5xx
    replies are final, 4xx replies and network trouble pass, a login or TLS the server will not do
    waits for the settings to be fixed. None for anything that is not a sending error (a bug: let it show)."""
    where = f"{s.host}:{s.port}"
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        replies = [(code, _reply(code, text), rcpt) for rcpt, (code, text) in e.recipients.items()]
        reason = "; ".join(f"{rcpt} refused: {reply}" for _, reply, rcpt in replies)
        if all(code >= 500 for code, _, _ in replies):
            return PermanentFailure(f"{where}: {reason}")
        return TemporaryFailure(f"{where}: {reason}")
    if isinstance(e, smtplib.SMTPResponseException):
        what = ("login refused" if isinstance(e, smtplib.SMTPAuthenticationError) else
                "sender refused" if isinstance(e, smtplib.SMTPSenderRefused) else "server refused")
        reason = f"{where}: {what}: {_reply(e.smtp_code, e.smtp_error)}"
        if isinstance(e, smtplib.SMTPAuthenticationError):      # fixable by setting the password: wait
            return NeedsSetup(reason + " (check the connector's password)")
        return PermanentFailure(reason) if 500 <= e.smtp_code < 600 else TemporaryFailure(reason)
    if isinstance(e, smtplib.SMTPNotSupportedError):
        mismatch = _mismatch(str(e), s)             # the settings ask for a login or TLS the server lacks: wait
        return (NeedsSetup if mismatch else PermanentFailure)(f"{where}: {e or 'not supported by the server'}{mismatch}")
    if isinstance(e, smtplib.SMTPServerDisconnected) and isinstance(e.__context__, TimeoutError):
        return TemporaryFailure(f"{where} did not answer within {s.timeout:g} s")
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"{where}: the server closed the connection ({e or 'unexpectedly'})")
    if isinstance(e, (TimeoutError, socket.timeout)):
        return TemporaryFailure(f"{where} did not answer within {s.timeout:g} s")
    if isinstance(e, ConnectionRefusedError):
        return TemporaryFailure(f"{where}: connection refused")
    if isinstance(e, socket.gaierror):                 # the name does not resolve: most likely a typo
        return TemporaryFailure(f"the mail server {s.host} could not be found (check the connector's host)")
    if isinstance(e, ssl.SSLCertVerificationError):
        return NeedsSetup(f"{where}: the server's certificate was not accepted ({e.verify_message}); "
                                "fix the certificate, or set verify_tls=false for a test server")
    if isinstance(e, (smtplib.SMTPException, OSError)):
        return TemporaryFailure(f"{where}: {type(e).__name__}: {e}")
    return None


register(ConnectorKind(
    name="smtp", title="SMTP server", settings=SmtpSettings,
    secrets=("password",), required_secrets=(), review=cleartext_login,
    needs=lambda s: ("password",) if s.username else (),
    channels=SmtpSender.channels,
    sender=lambda name, settings, secret: SmtpSender(name, settings, secret),
    help="Sends email through an SMTP server. The password (a secret) is needed when a user name is set.",
))
