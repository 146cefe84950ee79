"""Erasure on request (SPEC 14): a contact's fields, events, steps and message bodies go, and a keyed
one-way hash of the address stays, so a later sync or event does not bring the person back unless it
carries new consent. The key lives in the OS keyring, never in the workspace: the hashes in a copied
workspace file cannot be tested against a list of addresses without it."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from switchback.runtime.contacts import identity
from switchback.runtime.problems import InputError
from switchback.runtime.store.intake_models import IntakeId
from switchback.runtime.store.models import (Contact, Delivery, EnrollmentRow, ErasureRow, EventRow, OutboxRow,
                                             StepRow)

KEY_SERVICE, KEY_ACCOUNT = "switchback", "workspace/erasure-key"
CHANNELS = ("email", "sms")


class NotHeld(InputError):
    """An address the workspace does not hold: nothing is erased."""


class KeyUnavailable(InputError):
    """No keyring, or erasures recorded with a key this machine's keyring does not hold."""


def _keyring():
    import keyring                          # imported here: most commands never erase anyone
    return keyring


def erasure_key(create: bool = False) -> bytes:
    """The workspace's erasure key from the OS keyring; made on the first erasure."""
    kr = _keyring()
    try:
        value = kr.get_password(KEY_SERVICE, KEY_ACCOUNT)
        if value is None and create:
            value = secrets.token_hex(32)
            kr.set_password(KEY_SERVICE, KEY_ACCOUNT, value)
    except Exception as e:                  # keyring backends raise their own kinds
        raise KeyUnavailable("keyring", f"the erasure key could not be read ({e})") from None
    if value is None:
        raise KeyUnavailable("keyring", "this workspace has erased contacts, but the erasure key is not in this "
                                        "machine's keyring: copy it from the machine that erased them")
    return bytes.fromhex(value)


def hashed(key: bytes, email: str) -> str:
    return hmac.new(key, identity(email).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Erased:
    hash: str
    at: datetime
    by: str
    lifted_at: datetime | None


def forget(s: Session, emails: Iterable[str], by: str, now: datetime) -> list[str]:
    """Erase these contacts, all or none: an address the workspace does not hold is an InputError
    before anything changes. Returns the hashes logged. The caller scrubs the file afterwards."""
    wanted = list(dict.fromkeys(identity(e) for e in emails))
    found = dict(s.execute(select(Contact.email, Contact.id).where(Contact.email.in_(wanted))).all())
    unknown = [e for e in wanted if e not in found]
    if unknown:
        raise NotHeld(unknown[0], "no such contact in the workspace; nothing was erased")
    key = erasure_key(create=True)
    ids = list(found.values())
    consent = {r.email: {c: (r.fields or {}).get(f"consent_{c}", "unknown") for c in CHANNELS}
               for r in s.execute(select(Contact.email, Contact.fields).where(Contact.id.in_(ids)))}
    keys = [k for (k,) in s.execute(select(OutboxRow.key).where(OutboxRow.contact_id.in_(ids)))]
    for part in range(0, len(keys), 500):
        s.execute(delete(Delivery).where(Delivery.key.in_(keys[part:part + 500])))
    for table in (EventRow, StepRow, OutboxRow, EnrollmentRow):
        s.execute(delete(table).where(table.contact_id.in_(ids)))
    s.execute(delete(IntakeId).where(IntakeId.contact_id.in_(ids)))         # the ids a website knew them by
    s.execute(delete(Contact).where(Contact.id.in_(ids)))
    logged = []
    for email in wanted:
        h = hashed(key, email)
        s.execute(delete(ErasureRow).where(ErasureRow.hash == h))     # a second erasure replaces the first
        s.add(ErasureRow(hash=h, at=now, by=by, consent=consent[email]))
        logged.append(h)
    return logged


def erase(store, emails: Iterable[str], by: str, now: datetime) -> int:
    """What `forget` and Contacts › Forget… do: erase (all or none), then scrub the files."""
    with store.session() as s:
        n = len(forget(s, emails, by, now))
    scrub(store)
    return n


def scrub(store) -> None:
    """Make the erased bytes unrecoverable from the database's files: SQLite rewrites the file and
    empties its write-ahead log; PostgreSQL vacuums the tables the rows were in."""
    if store.is_sqlite:
        store.checkpoint()
        raw = store.engine.raw_connection()             # outside any transaction: VACUUM cannot run in one
        try:
            raw.cursor().execute("VACUUM")
        finally:
            raw.close()
        store.checkpoint()
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("contacts", "events", "steps", "outbox", "deliveries", "enrollments"):
            conn.execute(text(f"VACUUM {table}"))


def log(s: Session) -> list[Erased]:
    return [Erased(r.hash, r.at, r.by, r.lifted_at) for r in s.scalars(select(ErasureRow).order_by(ErasureRow.at))]


def _new_consent(fields: Mapping[str, Any], before: Mapping[str, str]) -> bool:
    """A channel subscribed now that was not at the erasure; or a consent box ticked on a form."""
    if any(fields.get(f"consent_{c}") == "subscribed" and before.get(c) != "subscribed" for c in CHANNELS):
        return True
    return any("consent" in k.lower() and v in (True, "true", "yes", "on", "1", 1, "checked")
               for k, v in fields.items() if not k.startswith("consent_"))


def barred(s: Session, incoming: Mapping[str, Mapping[str, Any]], now: datetime) -> set[str]:
    """Which of these addresses (identity -> the fields or event properties they arrive with) belong
    to erased people and carry no new consent. Those that carry it lift the bar (the log keeps the
    erasure) and come in."""
    if not incoming or s.scalar(select(ErasureRow.id).where(ErasureRow.lifted_at.is_(None)).limit(1)) is None:
        return set()
    key = erasure_key()
    by_hash = {hashed(key, email): email for email in incoming}
    out = set()
    for row in s.scalars(select(ErasureRow).where(ErasureRow.hash.in_(list(by_hash)), ErasureRow.lifted_at.is_(None))):
        email = by_hash[row.hash]
        if _new_consent(incoming[email], row.consent or {}):
            s.execute(update(ErasureRow).where(ErasureRow.id == row.id).values(lifted_at=now))
        else:
            out.add(email)
    return out


def is_erased(s: Session, email: str) -> bool:
    """True for an address erased and not come back: `trace` says so instead of 'no such contact'."""
    if s.scalar(select(ErasureRow.id).where(ErasureRow.lifted_at.is_(None)).limit(1)) is None:
        return False
    try:
        h = hashed(erasure_key(), email)
    except KeyUnavailable:
        return False
    return s.scalar(select(ErasureRow.id).where(ErasureRow.hash == h, ErasureRow.lifted_at.is_(None))) is not None
