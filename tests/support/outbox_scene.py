"""A workspace with a message in every state, made through the command line against a real SMTP
server: one delivered, one refused for good (failed), one the server deferred (queued for a retry),
and two as workers leave them: one whose worker died mid-hand-off (uncertain) and one another
machine is handing over now (sending)."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update

from switchback.runtime.store.models import Contact, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.connectors.servers import FakeSMTP

JOURNEY = ('{"format": "switchback.journey/1", "key": "welcome", "name": "Welcome", "nodes": ['
           '{"id": "all", "kind": "trigger.manual", "config": {}}, {"id": "mail", "kind": "action.email", '
           '"label": "Welcome email", "config": {"connector": "mail", "subject": "Welcome, {{ contact.first_name }}", '
           '"body": "Hello."}}], "edges": [{"from": "all", "to": "mail"}]}')
PEOPLE = {"queued": "ada", "failed": "bob", "uncertain": "cy", "sending": "dee", "sent": "eve"}
DIED = "the worker stopped while handing this over; not sent again so it cannot arrive twice"


@dataclass
class Scene:
    workspace: str                 # a SQLite file, or a PostgreSQL URL
    server: FakeSMTP
    ids: dict[str, int]            # state -> that message's id

    def copy(self, folder: Path) -> str:
        """The same workspace in `folder`, for a test that changes it."""
        target = str(folder / "w.sqlite")
        with sqlite3.connect(self.workspace) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        return target


def build(folder: Path, server: FakeSMTP, db: str | None = None) -> Scene:
    """In a SQLite file in `folder`, or in the PostgreSQL database `db`."""
    from switchback.app.cli import main
    ws = db or str(folder / "w.sqlite")
    where = ["--db", db] if db else ["--workspace", ws]
    people = folder / "people.csv"
    people.write_text("email,first_name,consent_email\n"
                      + "".join(f"{n}@shop.test,{n.title()},subscribed\n" for n in PEOPLE.values()))
    journey = folder / "welcome.journey.json"
    journey.write_text(JOURNEY)
    server.refuse.add("bob@shop.test")
    server.defer = "451 4.3.0 Mailbox busy, try later"
    first = [f"{PEOPLE[s]}@shop.test" for s in ("queued", "failed", "uncertain", "sending")]
    for args in (["connector", "add", "mail", "--kind", "smtp", "--set", "host=127.0.0.1", "--set", f"port={server.port}",
                  "--set", "from=news@shop.test", "--set", "tls=none"], ["import", str(people)], ["publish", str(journey)],
                 ["enroll", "welcome", *first], ["run", "--until-idle", "--sync-every", "0"]):
        assert main([*args, *where]) == 0
    server.defer = None
    for args in (["enroll", "welcome", "eve@shop.test"], ["run", "--until-idle", "--sync-every", "0"]):
        assert main([*args, *where]) == 0
    store = Store(db or f"sqlite:///{ws}")
    with store.session() as s:
        by_email = dict(s.execute(select(Contact.email, OutboxRow.id).join(OutboxRow, OutboxRow.contact_id == Contact.id)).all())
        ids = {state: by_email[f"{name}@shop.test"] for state, name in PEOPLE.items()}
        s.execute(update(OutboxRow).where(OutboxRow.id == ids["uncertain"])
                  .values(status="uncertain", error=DIED, claimed_by=None, claimed_until=None))
        s.execute(update(OutboxRow).where(OutboxRow.id == ids["sending"])
                  .values(status="sending", error=None, claimed_by="another-machine:4242",
                          claimed_until=datetime.now(timezone.utc) + timedelta(hours=1)))
    store.checkpoint()
    store.close()
    server.received.clear()
    return Scene(ws, server, ids)
