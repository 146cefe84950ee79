"""Delivery through real servers while `switchback run` is killed, interrupted, or joined by another
worker: every message arrives, none twice, and at most the one in flight at each kill is left
`uncertain` (a person resends those that did not arrive)."""
import random
import signal
import time

import pytest

from tests.runtime.delivery_rig import Arrivals, Kills, outbox, resend_those_that_did_not_arrive, worker, workspace
from tests.connectors.servers import FakeReceiver, FakeSMTP
from tests.support import postgres

CONTACTS = 1000          # an email and a webhook each: 2,000 messages
KILLS = 20


def check_everything_arrived_once(url, arrivals, kills, where, report):
    """After the kills: the uncertain ones are at most one per kill; once those that never arrived
    are resent, every message has arrived, and none twice, email or webhook."""
    final = worker(where)
    assert final.wait(timeout=300) == 0, final.stderr.read().decode()[-2000:]
    uncertain, resent = resend_those_that_did_not_arrive(url, arrivals)
    assert uncertain <= kills, f"{uncertain} uncertain after {kills} kills"
    again = worker(where)
    assert again.wait(timeout=300) == 0, again.stderr.read().decode()[-2000:]
    rows = outbox(url)
    assert len(rows) == 2 * CONTACTS
    emails, hooks, arrived = arrivals.emails(), arrivals.webhooks(), arrivals.counted()
    assert all(arrived(m) for m in rows), "a message never arrived"
    assert max(emails.values()) == 1, "an email arrived twice"
    repeated = sum(n - 1 for n in hooks.values())
    assert repeated == 0, f"{repeated} webhooks arrived twice after {kills} kills"
    assert {m.status for m in rows} <= {"sent", "uncertain"}
    assert all(arrived(m) for m in rows if m.status == "uncertain")
    report.update(kills=kills, arrived=len(emails) + len(hooks), email_duplicates=sum(n - 1 for n in emails.values()),
                  webhook_repeats_same_key=repeated, uncertain=uncertain, resent=resent)


@pytest.mark.slow
def test_sigkill_20_times_and_ctrl_c_through_smtp_and_http(tmp_path, test_keyring):
    started = time.monotonic()
    ws = tmp_path / "w.sqlite"
    where, url = ["--workspace", str(ws)], f"sqlite:///{ws}"
    with FakeSMTP() as smtp, FakeReceiver() as hook:
        workspace(tmp_path, where, smtp, hook, CONTACTS)
        arrivals = Arrivals(smtp, hook)
        kills = Kills(random.Random(21), arrivals)
        for _ in range(KILLS):
            kills.kill(worker(where))
        interrupted = worker(where)
        kills.kill(interrupted, signal.SIGINT)
        assert interrupted.returncode in (130, 0), interrupted.stderr.read().decode()[-2000:]
        assert kills.done >= KILLS, "the runs ended before they could be killed; make the workload bigger"
        report = {}
        check_everything_arrived_once(url, arrivals, kills.done, where, report)
    print(f"\nSQLite, 1 worker: {report}, {time.monotonic() - started:.0f} s")


@pytest.mark.slow
def test_a_slow_receiver_and_a_second_worker_started_mid_batch_send_nothing_twice(tmp_path, test_keyring):
    """H2: at 0.2 s a request the batch outlasts the lease (3 s here, 5 min in use): the heartbeat
    keeps it, so the second worker takes other messages instead of sending the first's again."""
    started = time.monotonic()
    ws = tmp_path / "w.sqlite"
    where, url = ["--workspace", str(ws)], f"sqlite:///{ws}"
    contacts = 120
    with FakeSMTP() as smtp, FakeReceiver() as hook:
        workspace(tmp_path, where, smtp, hook, contacts)
        smtp.delay, hook.delay = 0.2, 0.2
        arrivals = Arrivals(smtp, hook)
        first = worker(where, lease=3)
        while arrivals.total() < contacts // 2 and first.poll() is None:
            time.sleep(0.05)
        second = worker(where, lease=3)
        for p in (first, second):
            assert p.wait(timeout=300) == 0, p.stderr.read().decode()[-2000:]
        rows = outbox(url)
        emails, hooks = arrivals.emails(), arrivals.webhooks()
        assert len(emails) + len(hooks) == len(rows) == 2 * contacts
        assert max(emails.values()) == 1 and max(hooks.values()) == 1, "a message arrived twice"
        assert {m.status for m in rows} == {"sent"}
        assert all(m.claimed_by is None for m in rows)
    print(f"\nslow receiver, second worker mid-batch: {len(rows)} messages, 0 duplicates, "
          f"{time.monotonic() - started:.0f} s")


@pytest.mark.slow
@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed (.ci/run installs it)")
def test_four_workers_on_postgresql_killed_20_times_send_nothing_twice(tmp_path, test_keyring):
    import psycopg
    started = time.monotonic()
    with postgres.server() as server:
        with psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE ledger")
        url = server.rsplit("/", 1)[0] + "/ledger"
        where = ["--db", url]
        with FakeSMTP() as smtp, FakeReceiver() as hook:
            workspace(tmp_path, where, smtp, hook, CONTACTS)
            arrivals = Arrivals(smtp, hook)
            kills = Kills(random.Random(4), arrivals)
            rng = random.Random(44)
            workers = [worker(where) for _ in range(4)]
            while kills.done < KILLS and arrivals.total() < 2 * CONTACTS:
                victim = rng.randrange(4)
                kills.kill(workers[victim])
                workers[victim] = worker(where)
            for p in workers:
                assert p.wait(timeout=300) in (0, -signal.SIGKILL), p.stderr.read().decode()[-2000:]
            report = {}
            check_everything_arrived_once(url, arrivals, kills.done, where, report)
    print(f"\nPostgreSQL, 4 workers: {report}, {time.monotonic() - started:.0f} s")
