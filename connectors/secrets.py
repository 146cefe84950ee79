"""Secrets live only in the OS keyring, under the connector's name. Nothing here ever writes one
anywhere else: no backend means a clear error, never a plain-text fallback."""
from __future__ import annotations

import keyring
from keyring.errors import KeyringError, NoKeyringError

SERVICE = "switchback"


class SecretsUnavailable(RuntimeError):
    """The system has no usable keyring: the message says how to get one."""


HOW_TO = ("no OS keyring is available to hold connector secrets. On Linux install and unlock one "
          "(GNOME Keyring or KWallet, with Secret Service), or set PYTHON_KEYRING_BACKEND to a backend "
          "you trust; on macOS and Windows the system keychain is used. Secrets are never stored in plain text.")


def _account(connector: str, key: str) -> str:
    return f"{connector}/{key}"


def _usable() -> None:
    backend = keyring.get_keyring()
    if backend.priority <= 0 or type(backend).__module__.startswith("keyring.backends.fail"):
        raise SecretsUnavailable(HOW_TO)


def set_secret(connector: str, key: str, value: str) -> None:
    _usable()
    try:
        keyring.set_password(SERVICE, _account(connector, key), value)
    except (NoKeyringError, KeyringError) as e:
        raise SecretsUnavailable(f"{HOW_TO} ({e})") from None


def get_secret(connector: str, key: str) -> str | None:
    _usable()
    try:
        return keyring.get_password(SERVICE, _account(connector, key))
    except (NoKeyringError, KeyringError) as e:
        raise SecretsUnavailable(f"{HOW_TO} ({e})") from None


def delete_secret(connector: str, key: str) -> None:
    try:
        keyring.delete_password(SERVICE, _account(connector, key))
    except Exception:
        pass


def workspace_secret(workspace: str, key: str) -> str:
    """A workspace's own secret (`signing_secret` for its tracking links), made the first time it
    is asked for: 32 random bytes, in the keyring beside the connectors' under `workspace:ID`."""
    import secrets
    account = f"workspace:{workspace}"
    value = get_secret(account, key)
    if not value:
        value = secrets.token_urlsafe(32)
        set_secret(account, key, value)
    return value


def has_secret(connector: str, key: str) -> bool:
    """Whether the keyring holds this secret; False, not an error, when there is no keyring."""
    try:
        return get_secret(connector, key) is not None
    except SecretsUnavailable:
        return False
