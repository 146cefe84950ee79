"""What leaves the machine, and where to.

A webhook node's URL comes from a journey, and journeys travel in bundles: before each new
connection its host is resolved here, every address is checked (nodes/urls.py says which are
refused), and the connection goes to a checked address, so a name cannot resolve to a public
address for the check and to 127.0.0.1 for the connection (DNS rebinding). TLS still verifies the
certificate against the name. A connector's URL is the workspace owner's own choice: it is allowed,
with a warning when it points inside the machine or its network, or would carry a secret in clear."""
from __future__ import annotations

import socket
from typing import Annotated, Any, Callable, Iterable
from urllib.parse import urlsplit

import httpcore
import httpx
from pydantic import AfterValidator

from switchback.nodes.urls import (PRIVATE_KINDS, Address, kind_of, parse_host, query_secrets, refusal, refused_kind,
                        written_refusal)
from switchback.runtime.outbox import PermanentFailure

# Names answered without asking DNS, like a hosts file: {"hooks.test": ("127.0.0.1",)}. Tests map
# names here to prove a refusal before any connection; nothing else writes to it.
HOSTS: dict[str, tuple[str, ...]] = {}


def resolve(host: str, port: int) -> list[Address]:
    """Every address a host stands for, in the resolver's order (a written address is itself)."""
    written = parse_host(host)
    if written is not None:
        return [written]
    fixed = HOSTS.get(host.lower().rstrip("."))
    if fixed is not None:
        return [parse_host(a) for a in fixed]
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise httpcore.ConnectError(f"cannot resolve {host}: {e.strerror or e}") from None
    addresses: list[Address] = []
    for *_, sockaddr in found:
        address = parse_host(str(sockaddr[0]).partition("%")[0])
        if address is not None and address not in addresses:
            addresses.append(address)
    return addresses


class _GuardedBackend(httpcore.NetworkBackend):
    """Connects only to addresses that passed the check, resolving the host itself."""

    def __init__(self, private_ok: bool):
        self.private_ok = private_ok
        self.plain = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        for address in addresses:
            kind = refused_kind(address, self.private_ok)
            if kind:
                what = refusal(address) if parse_host(host) is not None else f"{host} resolves to {address}, {kind}"
                opens = kind_of(address) in PRIVATE_KINDS
                raise PermanentFailure(f"refused to send: {what}; a node's URL must reach a public address"
                                       + (" (the workspace setting allow_private_webhooks opens its own network)"
                                          if opens else ""))
        last: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return self.plain.connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as e:
                last = e
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, connecting through the guard. Proxies from the environment are not
    used (a proxy would resolve the name itself, past the check)."""

    def __init__(self, private_ok: bool = False):
        super().__init__(trust_env=False)
        # httpx builds its pool with the default backend; this pool differs only in the backend.
        self._pool = httpcore.ConnectionPool(ssl_context=httpx.create_ssl_context(), max_connections=100,
                                             max_keepalive_connections=20, keepalive_expiry=5.0,
                                             network_backend=_GuardedBackend(private_ok))


# --- a connector's settings -------------------------------------------------------------------------

URL_FIELDS = ("url", "base_url")


def no_secret_in_query(url: str) -> str:
    """A settings validator: a URL is stored and exported in bundles, so no credential in it."""
    secrets = query_secrets(url)
    if secrets:
        raise ValueError(f"its query carries a secret ({', '.join(secrets)}), which would be stored and exported "
                         "in plain text; put it in the secret instead (--secret)")
    return url


BaseUrl = Annotated[str, AfterValidator(no_secret_in_query)]       # a provider's API address


def _loopback(url: str) -> bool:
    """Whether a URL stays on this machine (then nothing travels over a network)."""
    host = (urlsplit(url).hostname or "").lower()
    address = parse_host(host)
    return host == "localhost" or address is not None and kind_of(address) == "loopback"


def unencrypted(secret: str, how: str) -> str:
    return f"{how}: the {secret} would travel unencrypted; use an encrypted connection"


def cleartext_login(settings: Any, secrets: dict[str, str]) -> list[str]:
    """SMTP's review: a user name without TLS sends the password in clear (AUTH PLAIN/LOGIN)."""
    if settings.tls == "none" and settings.username and not _loopback(f"smtp://{settings.host}"):
        return [unencrypted("password", "tls=none with a user name")]
    return []


def over_http(secret: str) -> Callable[[Any, dict[str, str]], list[str]]:
    """The review of a kind whose secret goes in a header to `base_url`."""
    def review(settings: Any, secrets: dict[str, str]) -> list[str]:
        url = settings.base_url
        if url.startswith("http://") and not _loopback(url):
            return [unencrypted(secret, f"base_url {url} is plain http://")]
        return []
    return review


def warnings(settings: Any) -> list[str]:
    """One line for each URL of a connector's settings that points inside this machine or its
    network: allowed (the owner chose it), but said."""
    out = []
    for name in URL_FIELDS:
        url = getattr(settings, name, None)
        host = urlsplit(url).hostname if isinstance(url, str) else None
        why = host and written_refusal(host)
        if why:
            out.append(f"{name}: {why} (allowed: a connector's address is yours to choose)")
    return out
