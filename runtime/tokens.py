"""The tokens in tracking links (SPEC 11): opaque, signed with the workspace's secret, naming a
message (its outbox id) and, for a click, which of its links. They carry no address, and a token
changed by one character, or made up, does not verify, so no one can record an event for another
contact or use a link to redirect anywhere.

HMAC-SHA256 from the standard library: the token is the two numbers and a 128-bit tag over them
and the token's purpose (a click token is no unsubscribe token), in URL-safe base64."""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

PURPOSES = ("c", "o", "u")           # click, open, unsubscribe: the first letter of each route
_BODY = struct.Struct(">QH")         # message id, link number
_TAG = 16                            # bytes of the HMAC kept


def _tag(secret: bytes, purpose: str, body: bytes) -> bytes:
    return hmac.new(secret, purpose.encode() + b"\0" + body, hashlib.sha256).digest()[:_TAG]


def sign(secret: bytes, purpose: str, message: int, link: int = 0) -> str:
    """The token for `purpose` of message `message` (and its link number `link`)."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    body = _BODY.pack(message, link)
    return base64.urlsafe_b64encode(body + _tag(secret, purpose, body)).decode().rstrip("=")


def verify(secret: bytes, purpose: str, token: str) -> tuple[int, int] | None:
    """(message id, link number) of a token this workspace signed for `purpose`; None for any other."""
    if purpose not in PURPOSES or len(token) > 64:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != _BODY.size + _TAG:
        return None
    body, tag = raw[:_BODY.size], raw[_BODY.size:]
    if not hmac.compare_digest(tag, _tag(secret, purpose, body)):
        return None
    if sign(secret, purpose, *_BODY.unpack(body)) != token:      # one spelling per token: no padding games
        return None
    return _BODY.unpack(body)
