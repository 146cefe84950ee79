"""Where a URL written in a journey may point. Journeys travel in bundles, so a webhook node's URL is
untrusted: it must not reach the machine it runs on, its network, or a cloud's metadata service,
however the address is written; and a secret must not sit in its query string, where it would be
stored, exported and shown. Pure functions (no resolving, no connecting): validation checks what
is written, and the sender checks every address a name resolves to before it connects."""
from __future__ import annotations

import re
import unicodedata
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from urllib.parse import parse_qsl, urlsplit

Address = IPv4Address | IPv6Address

# Cloud metadata and platform services (AWS, GCP, Azure, Alibaba, ECS tasks): never a webhook.
METADATA = frozenset(ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "168.63.129.16", "fd00:ec2::254"))
METADATA_NAMES = frozenset({"metadata.google.internal", "metadata.goog", "metadata", "instance-data",
                            "instance-data.ec2.internal"})
# The kinds of address a workspace owner may open to node URLs (`allow_private_webhooks`).
PRIVATE_KINDS = frozenset({"loopback", "private", "unique-local"})
# RFC 1918 networks and carrier-grade NAT's shared space: someone's own network.
_PRIVATE = tuple(IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
_UNIQUE_LOCAL = IPv6Network("fc00::/7")
_NAT64 = IPv6Network("64:ff9b::/96")
_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*")
_SECRET_PARTS = frozenset({"key", "apikey", "hapikey", "sig", "signature", "token", "secret", "password",
                           "passwd", "pwd", "pass", "auth", "authorization", "credential", "credentials"})
_SECRET_WORDS = ("token", "secret", "password", "apikey", "api_key")


def parse_host(host: str) -> Address | None:
    """The address a host is, when it is written as one: dotted quad, and the other forms a resolver
    takes (`2130706433`, `0x7f.1`, `017700000001`, `127.1`), IPv6 with or without brackets. None
    for a name."""
    h = unicodedata.normalize("NFKC", host).strip().lower()
    if h.startswith("[") and h.endswith("]"):
        h = h[1:-1]
    if ":" in h:
        try:
            return ip_address(h)
        except ValueError:
            return None
    parts = h.removesuffix(".").split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.fullmatch(p) for p in parts):
        return None
    numbers = [int(p[2:] or "0", 16) if p.startswith("0x") else int(p, 8) if p.startswith("0") else int(p)
               for p in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (4 - len(head)):
        return None
    return IPv4Address(sum(n << 8 * (3 - i) for i, n in enumerate(head)) + last)


def _embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, compatible, 6to4, Teredo, NAT64), else itself."""
    if not isinstance(address, IPv6Address):
        return address
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    value = int(address)
    if address in _NAT64 or (value >> 32 == 0 and value > 1):
        return IPv4Address(value & 0xFFFFFFFF)
    return address


def kind_of(address: Address) -> str | None:
    """What sort of non-public address this is (`loopback`, `private`, `cloud metadata`...), or None
    for a public one."""
    address = _embedded(address)
    if address in METADATA:
        return "cloud metadata"
    if address.is_unspecified:
        return "unspecified"
    if address.is_loopback:
        return "loopback"
    if address.is_multicast:
        return "multicast"
    if address.is_link_local:
        return "link-local"
    if isinstance(address, IPv6Address) and address in _UNIQUE_LOCAL:
        return "unique-local"
    if isinstance(address, IPv4Address) and any(address in n for n in _PRIVATE):
        return "private"
    if not address.is_global:
        return "reserved"
    return None


def refused_kind(address: Address, private_ok: bool = False) -> str | None:
    """"a loopback address" when a node's URL may not reach this address, else None."""
    kind = kind_of(address)
    if kind is None or private_ok and kind in PRIVATE_KINDS:
        return None
    return f"{'an' if kind == 'unspecified' else 'a'} {kind} address"


def refusal(address: Address, private_ok: bool = False) -> str | None:
    """Why a node's URL may not reach this address ("127.0.0.1 is a loopback address"), or None.
    With `private_ok` (the workspace owner's choice), loopback and private networks are allowed;
    link-local, metadata, multicast, unspecified and reserved addresses never are."""
    phrase = refused_kind(address, private_ok)
    inner = _embedded(address)
    return phrase and f"{address}{f' ({inner})' if inner != address else ''} is {phrase}"


def written_refusal(host: str) -> str | None:
    """Why a host, as written, is refused: a non-public address in any notation, or a name that
    always means this machine or a metadata service. Other names are judged when they are resolved."""
    address = parse_host(host)
    if address is not None:
        phrase = refused_kind(address)
        inner = _embedded(address)
        return phrase and (f"{host} is {phrase}" if host.strip("[]").lower() == str(inner)
                           else f"{host} means {inner}, {phrase}")
    name = unicodedata.normalize("NFKC", host).strip().lower().removesuffix(".")
    if name == "localhost" or name.endswith(".localhost") or name in ("ip6-localhost", "ip6-loopback",
                                                                       "localhost.localdomain"):
        return f"{host} is this machine (loopback)"
    if name in METADATA_NAMES:
        return f"{host} is a cloud metadata service"
    return None


def query_secrets(url: str) -> list[str]:
    """Names in a URL's query that look like credentials (`token`, `api_key`, `sig`...), and
    `password` when the URL carries one before its host."""
    parts = urlsplit(url)
    found = [name for name, _ in parse_qsl(parts.query, keep_blank_values=True) if _secret_name(name)]
    if parts.password:
        found.append("password")
    return found


def _secret_name(name: str) -> bool:
    name = name.lower()
    return any(p in _SECRET_PARTS for p in re.split(r"[^a-z0-9]+", name)) or any(w in name for w in _SECRET_WORDS)


def url_problem(url: str) -> str | None:
    """Why a URL written in a journey is refused, in words for the node's problem line, or None."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return f"{url!r} is not a valid URL"
    if not host:
        return f"{url!r} names no host"
    why = written_refusal(host)
    if why:
        return (f"url: {why}; a node's URL must reach a public address (for one in your own network, "
                "use a webhook connector)")
    secrets = query_secrets(url)
    if secrets:
        return (f"url: its query carries a secret ({', '.join(secrets)}), which would be stored and exported in "
                "plain text; put the URL in a webhook connector's secret_url secret instead")
    return None
