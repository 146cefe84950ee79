"""The connectors configured in a workspace: adding them (secrets to the keyring) and building the
senders the scheduler hands messages to."""
from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select

from switchback.connectors import egress, registry
from switchback.connectors.secrets import SecretsUnavailable, get_secret, set_secret
from switchback.connectors.tracking import tracking_for
from switchback.connectors.webhook import WebhookSender, WebhookSettings
from switchback.runtime import workspace_settings
from switchback.runtime.outbox import NeedsSetup, RecordingSender, Sender, SenderFor
from switchback.runtime.problems import InputError
from switchback.runtime.store.models import ConnectorRow
from switchback.runtime.store.workspace import Store

NAME_LENGTH = 128               # the store's column


def add(store: Store, name: str, kind: str, settings: dict[str, Any], secrets: dict[str, str]) -> list[str]:
    """Check and store a connector; its secrets go to the keyring, never to the store. Returns
    warnings, one line each: a URL inside this machine or its network, a secret sent in clear."""
    if not name.strip() or len(name) > NAME_LENGTH or not name.isprintable():
        raise InputError(f"connector {name[:40]!r}", f"a name is 1 to {NAME_LENGTH} printable characters")
    spec = registry.get(kind)
    if spec is None:
        known = ", ".join(k.name for k in registry.kinds())
        raise InputError(f"--kind {kind}", f"unknown connector kind (known: {known})")
    for key in secrets:
        if key not in spec.secrets:
            raise InputError(f"--secret {key}", f"{kind} has no secret of that name (it has: {', '.join(spec.secrets) or 'none'})")
        if key in settings:
            raise InputError(key, "is a secret: pass it with --secret, not --set")
    if not settings:                          # `--secret` alone updates a secret, keeping the settings
        with store.session() as s:
            row = s.get(ConnectorRow, name)
            if row is not None and row.kind == kind:
                settings = dict(row.settings)
    try:
        parsed = spec.settings.model_validate(settings)
    except ValidationError as e:
        first = e.errors()[0]
        raise InputError(f"--set {'.'.join(map(str, first['loc'])) or kind}",
                         first["msg"].removeprefix("Value error, ")) from None
    try:
        warnings = egress.warnings(parsed) + (spec.review(parsed, secrets) if spec.review else [])
    except ValueError as e:
        raise InputError(kind, str(e)) from None
    for key, value in secrets.items():
        set_secret(name, key, value)
    with store.session() as s:
        s.merge(ConnectorRow(name=name, kind=kind, settings=parsed.model_dump(mode="json", exclude_unset=True, by_alias=True)))
    return warnings


class _Missing:
    """A connector a journey names that the workspace does not have: its messages wait."""
    idempotent = True
    external = False

    def __init__(self, name: str | None):
        self.name = name

    def send(self, message) -> None:
        raise NeedsSetup(f"no connector named {self.name!r} in this workspace; add it under Workspace › Connectors… or with "
                               f"`switchback connector add {self.name} --kind ...`")


class _NoKeyring:
    """Tracked email needs the workspace's signing secret, and the system has no keyring to hold
    it: the messages wait, with the way to get one as their reason."""
    idempotent = True
    external = False

    def __init__(self, reason: str):
        self.reason = reason

    def send(self, message) -> None:
        raise NeedsSetup(f"public_url is set, so email is tracked, but {self.reason}")


def sender_for(store: Store) -> SenderFor:
    """What the scheduler calls to find each message's sender. A workspace without any connector
    records messages instead of sending them (a safe default for trying journeys out). A webhook
    node's own URL may reach this machine or its network only if the workspace setting
    `allow_private_webhooks` is true. With `public_url` set, the email senders track what they
    send (SPEC 11); the signing secret is read from the keyring only then."""
    cache: dict[str | None, Sender] = {}
    recorder = RecordingSender(store)
    private_ok = workspace_settings.read(store).allow_private_webhooks
    tracking: list = []                       # read once, when the first sender that tracks is built

    def lookup(channel: str, name: str | None) -> Sender:
        if name in cache:
            return cache[name]
        with store.session() as s:
            row = s.get(ConnectorRow, name) if name else None
            none_at_all = not s.scalar(select(func.count(ConnectorRow.name)))
        if row is None and none_at_all:
            sender = recorder
        elif row is None and name is None and channel == "webhook":
            # A webhook node with its own URL and no connector: the node's URL is the whole setting.
            sender = WebhookSender("webhook", WebhookSettings(), lambda key: None, private_ok=private_ok)
        elif row is None:
            sender = _Missing(name)
        elif row.kind == "record":
            sender = recorder
        else:
            spec = registry.get(row.kind)
            settings = spec.settings.model_validate(row.settings)
            sender = spec.sender(row.name, settings, lambda key, n=row.name: get_secret(n, key))
            if hasattr(sender, "tracking"):
                try:
                    if not tracking:
                        tracking.append(tracking_for(store))
                    sender.tracking = tracking[0]
                except SecretsUnavailable as e:
                    sender = _NoKeyring(str(e))
        cache[name] = sender
        return sender

    return lookup


def has_connectors(store: Store) -> bool:
    """Whether messages leave this workspace at all: without a connector they are only recorded."""
    with store.session() as s:
        return bool(s.scalar(select(func.count(ConnectorRow.name))))


def names_by_channel(store: Store) -> dict[str, list[str]]:
    """`connector:CHANNEL` -> the workspace's connectors that send on that channel."""
    out: dict[str, list[str]] = {}
    with store.session() as s:
        rows = list(s.execute(select(ConnectorRow.name, ConnectorRow.kind).order_by(ConnectorRow.name)))
    for name, kind in rows:
        spec = registry.get(kind)
        for channel in spec.channels if spec else ():
            out.setdefault(f"connector:{channel}", []).append(name)
    return out
