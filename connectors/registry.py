"""Connector kinds: each declares its settings (a pydantic model), the secrets it needs (kept in
the keyring), and how to build its sender or CRM source. `switchback connector add`, the scheduler
and the designer's connector screens all read this one list."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import BaseModel

SecretGetter = Callable[[str], "str | None"]      # secret name -> value from the keyring


@dataclass(frozen=True)
class ConnectorKind:
    name: str                                     # `smtp`
    title: str                                    # `SMTP server`
    settings: type[BaseModel]
    secrets: tuple[str, ...] = ()                 # every secret it may use
    required_secrets: tuple[str, ...] = ()
    # The secrets these settings cannot work without (SMTP's password once it has a user name).
    needs: Callable[[Any], tuple[str, ...]] | None = None
    channels: tuple[str, ...] = ()                # what it can send: email, sms, notify, webhook
    sender: Callable[[str, Any, SecretGetter], Any] | None = None    # (name, settings, secret) -> Sender
    source: Callable[[str, Any, SecretGetter], Any] | None = None    # (name, settings, secret) -> CRM source
    help: str = ""
    # What `connector add` checks beyond the settings model: (settings, the secrets given) -> warnings
    # to print (a secret that would travel unencrypted); raises ValueError to refuse.
    review: Callable[[Any, dict[str, str]], list[str]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def needed_secrets(self, settings: Any) -> tuple[str, ...]:
        return self.needs(settings) if self.needs else self.required_secrets


_KINDS: dict[str, ConnectorKind] = {}


def register(kind: ConnectorKind) -> ConnectorKind:
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> ConnectorKind | None:
    _load()
    return _KINDS.get(name)


def kinds() -> list[ConnectorKind]:
    _load()
    return list(_KINDS.values())


_loading = threading.RLock()
_loaded = threading.Event()


def _load() -> None:
    """Import the modules that declare kinds (each registers itself), once. Under a lock: the
    scheduler's thread and the connectors' routines may ask at once, and a half-filled registry
    must not answer (it said a webhook connector had no kind)."""
    if _loaded.is_set():
        return
    import importlib
    with _loading:
        if _loaded.is_set():
            return
        for module in ("record", "smtp", "sendgrid", "mailgun", "twilio", "slack", "webhook", "hubspot", "pipedrive"):
            try:
                importlib.import_module(f"switchback.connectors.{module}")
            except ModuleNotFoundError as e:
                if e.name != f"switchback.connectors.{module}":
                    raise
        _loaded.set()
