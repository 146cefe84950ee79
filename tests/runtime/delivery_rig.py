"""A workspace that delivers through real servers on 127.0.0.1 (aiosmtpd and an HTTP receiver),
`switchback run` workers as subprocesses to kill, and what arrived, counted raw: every copy a
server was handed, by Message-ID (email) and Idempotency-Key (webhook)."""
from __future__ import annotations

import csv
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from switchback.app.cli import main
from switchback.connectors.smtp import message_id
from switchback.runtime.outbox_review import resend
from switchback.runtime.store.models import OutboxRow
from switchback.runtime.store.workspace import Store
from tests.conftest import ROOT
from tests.connectors.servers import FakeReceiver, FakeSMTP

FROM = "news@shop.test"
JOURNEY = """{
  "format": "switchback.journey/1", "key": "both", "name": "An email, then a webhook",
  "nodes": [
    {"id": "all", "kind": "trigger.manual", "config": {}},
    {"id": "mail", "kind": "action.email", "config": {"connector": "mail", "subject": "Hi {{ contact.first_name }}", "body": "Hello"}},
    {"id": "hook", "kind": "action.webhook", "config": {"connector": "hook", "body": "{\\"email\\": \\"{{ contact.email }}\\"}"}}
  ],
  "edges": [{"from": "all", "to": "mail"}, {"from": "mail", "to": "hook"}]
}
"""


def workspace(tmp_path: Path, where: list[str], smtp: FakeSMTP, hook: FakeReceiver, contacts: int,
              smtp_settings: tuple[str, ...] = ()) -> None:
    """Contacts enrolled in a journey of one email (SMTP) and one webhook each: 2 x `contacts` messages."""
    people = tmp_path / "people.csv"
    with people.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["email", "first_name", "consent_email"])
        for i in range(contacts):
            w.writerow([f"p{i}@crash.test", f"P{i}", "subscribed"])
    journey = tmp_path / "both.journey.json"
    journey.write_text(JOURNEY)
    smtp_args = ["--set", "host=127.0.0.1", "--set", f"port={smtp.port}", "--set", f"from={FROM}", "--set", "tls=none",
                 "--set", "timeout=5", *[a for s in smtp_settings for a in ("--set", s)]]
    for args in (["connector", "add", "mail", "--kind", "smtp", *smtp_args],
                 ["connector", "add", "hook", "--kind", "webhook", "--set", f"url={hook.url}/in", "--set", "timeout=5"],
                 ["import", people], ["publish", journey], ["enroll", "both", "--where", "true"]):
        assert main([*map(str, args), *where]) == 0


def worker(where: list[str], lease: float | None = None) -> subprocess.Popen:
    """`switchback run --until-idle`; with `lease`, its claims last that many seconds instead of minutes."""
    cmd = [sys.executable, "-m", "switchback.app", "run", "--until-idle", *where]
    if lease is not None:
        cmd = [sys.executable, "-c", "import sys; from datetime import timedelta; import switchback.runtime.queue as q; "
               f"q.LEASE = timedelta(seconds={lease}); from switchback.app.cli import main; sys.exit(main(sys.argv[1:]))",
               *cmd[3:]]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass
class Arrivals:
    smtp: FakeSMTP
    hook: FakeReceiver

    def emails(self) -> Counter:
        return Counter(r.message["Message-ID"] for r in list(self.smtp.received))

    def webhooks(self) -> Counter:
        return Counter(r.headers["Idempotency-Key"] for r in list(self.hook.requests))

    def total(self) -> int:
        return len(self.smtp.received) + len(self.hook.requests)

    def counted(self) -> Callable[[OutboxRow], int]:
        """How many copies of a message have arrived so far (counted once, read per message)."""
        emails, hooks = self.emails(), self.webhooks()
        return lambda m: emails[message_id(m.key, FROM)] if m.channel == "email" else hooks[m.key]


@dataclass
class Kills:
    """Kills a worker at a random moment while messages are arriving."""
    rng: object
    arrivals: Arrivals
    done: int = 0
    log: list[str] = field(default_factory=list)

    def kill(self, p: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        before, started = self.arrivals.total(), time.monotonic()
        while self.arrivals.total() == before and p.poll() is None and time.monotonic() - started < 30:
            time.sleep(0.01)
        time.sleep(self.rng.uniform(0.0, 0.5))
        if p.poll() is None:
            p.send_signal(sig)
            self.done += 1
        p.wait()


def outbox(url: str) -> list[OutboxRow]:
    store = Store(url)
    with store.session() as s:
        rows = list(s.scalars(select(OutboxRow)))
    store.close()
    return rows


def resend_those_that_did_not_arrive(url: str, arrivals: Arrivals) -> tuple[int, int]:
    """What a person does with the `uncertain` ones: resend those the far end never got (the
    others are dismissed). Returns (uncertain, resent)."""
    uncertain = [m for m in outbox(url) if m.status == "uncertain"]
    arrived = arrivals.counted()
    missing = [m.id for m in uncertain if not arrived(m)]
    store = Store(url)
    assert len(resend(store, missing, who="the crash test")) == len(missing)
    store.close()
    return len(uncertain), len(missing)
