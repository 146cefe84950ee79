"""The workspace's own settings (SPEC section 5, `workspace set`): its time zone, quiet hours and
frequency cap across all journeys. One place reads, checks and writes them, for the command line
and the designer's Workspace settings dialog alike."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from switchback.runtime.problems import InputError
from switchback.runtime.settings import FrequencyCap, QuietHours
from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import Store

KEYS = ("timezone", "quiet_hours", "frequency_cap", "allow_private_webhooks", "public_url")


@dataclass
class WorkspaceSettings:
    timezone: str | None = None
    quiet_hours: QuietHours | None = None
    frequency_cap: FrequencyCap | None = None
    allow_private_webhooks: bool = False     # node URLs may reach this machine and its own network
    public_url: str | None = None            # where `serve` is reached from the internet (SPEC 11)


def zone(name: str, place: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        raise InputError(place, f"{name!r} is not an IANA time zone (such as Europe/Berlin)") from None


def cap(text: str, place: str = "frequency_cap") -> FrequencyCap:
    try:
        n, per = text.split("/", 1)
        return FrequencyCap(messages=int(n), per=per)
    except Exception:
        raise InputError(place, f"{text!r} is not N/DURATION (such as 3/7d)") from None


def quiet(text: str, place: str = "quiet_hours") -> QuietHours:
    try:
        start, end = text.split("-")
        return QuietHours(start=start.strip(), end=end.strip())
    except Exception:
        raise InputError(place, f"{text!r} is not FROM-UNTIL (such as 20:00-08:00)") from None


def public_url(text: str, place: str = "public_url") -> str:
    """An http(s) address with a host and nothing after its path; kept without a trailing slash."""
    try:
        parts = urlsplit(text.strip())
        parts.port                                       # noqa: B018 — raises on a bad port
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError(place, f"{text!r} is not an http(s) address (such as https://track.example.com)")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise InputError(place, f"{text!r}: give the address alone, with no user, ?query or #fragment")
    return text.strip().rstrip("/")


def parse(key: str, text: str) -> Any:
    """A `KEY=VALUE` of `workspace set`, checked; an empty value clears the setting."""
    if key not in KEYS:
        raise InputError(key, f"not a workspace setting ({', '.join(KEYS)})")
    if not text.strip():
        return None
    if key == "allow_private_webhooks":
        if text not in ("true", "false"):
            raise InputError(key, f"{text!r} is not true or false")
        return text == "true"
    if key == "timezone":
        zone(text, key)
        return text
    if key == "public_url":
        return public_url(text, key)
    return quiet(text, key) if key == "quiet_hours" else cap(text, key)


def read(store: Store) -> WorkspaceSettings:
    with store.session() as s:
        values = repo.get_settings(s)
    return WorkspaceSettings(
        timezone=values.get("timezone") or None,
        quiet_hours=QuietHours.model_validate(values["quiet_hours"]) if values.get("quiet_hours") else None,
        frequency_cap=FrequencyCap.model_validate(values["frequency_cap"]) if values.get("frequency_cap") else None,
        allow_private_webhooks=values.get("allow_private_webhooks") is True,
        public_url=values.get("public_url") or None)


def write(store: Store, values: dict[str, Any]) -> None:
    """Each of `values` (a checked value, or None to clear it), in one transaction."""
    with store.session() as s:
        for key, value in values.items():
            if key not in KEYS:
                raise InputError(key, f"not a workspace setting ({', '.join(KEYS)})")
            repo.set_setting(s, key, value.model_dump() if hasattr(value, "model_dump") else value)


def describe(key: str, value: Any) -> str:
    """How `workspace set` reports a value back."""
    if value is None:
        return f"{key} cleared"
    if isinstance(value, QuietHours):
        return f"{key} = {value.start}-{value.end}"
    if isinstance(value, FrequencyCap):
        return f"{key} = {value.messages}/{value.per}"
    return f"{key} = {value}"
