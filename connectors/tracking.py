"""The workspace's tracking (SPEC 11) as senders and the intake routes need it: its public address
from the workspace settings, and the secret its link tokens are signed with from the OS keyring.
The store holds only the workspace's id, which names that secret in the keyring."""
from __future__ import annotations

import uuid

from switchback.connectors.secrets import workspace_secret
from switchback.runtime import workspace_settings
from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import Store
from switchback.runtime.tracking import Tracking

ID_SETTING = "workspace_id"


def workspace_id(store: Store) -> str:
    """This workspace's id, made once (a random UUID: not a secret, and never one)."""
    with store.session() as s:
        found = repo.get_setting(s, ID_SETTING)
        if not found:
            found = str(uuid.uuid4())
            repo.set_setting(s, ID_SETTING, found)
    return found


def signing_secret(store: Store) -> bytes:
    return workspace_secret(workspace_id(store), "signing_secret").encode()


def tracking_for(store: Store) -> Tracking | None:
    """The workspace's tracking, or None when it has no `public_url` (emails then go as composed)."""
    url = workspace_settings.read(store).public_url
    return Tracking(url, signing_secret(store)) if url else None
