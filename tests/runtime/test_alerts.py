"""SPEC 12's alerts on a workspace's own rows: a sender failing, an enrollment spike, contacts
parked with errors, a connector failing; and a week of steady traffic raising none."""
from datetime import datetime, timedelta, timezone

from switchback.runtime.alerts import alerts
from switchback.runtime.store import bulk
from switchback.runtime.store.models import Contact, EnrollmentRow, OutboxRow
from switchback.runtime.store.workspace import Store

NOW = datetime(2026, 3, 9, 12, 0, tzinfo=timezone.utc)


def _store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    with store.session() as s:
        bulk.insert(s, Contact.__table__, [(i, f"c{i}@example.test", {}, [], 0, {}, 0, NOW, NOW) for i in range(1, 5001)],
                    ("id", "email", "fields", "timers", "admitted", "history", "version", "created_at", "updated_at"))
    return store


def _week(store, per_hour: int, last_hour: int) -> None:
    """Enrollments in `welcome`: `per_hour` in every hour of the last week, `last_hour` in the last."""
    rows, n = [], 0
    for hour in range(1, 7 * 24 + 1):
        for k in range(per_hour if hour > 1 else last_hour):
            n += 1
            at = NOW - timedelta(hours=hour - 1) + timedelta(minutes=-59 + (k * 50) // max(per_hour, last_hour, 1))
            rows.append((f"e{n}", 1 + n % 5000, "welcome", 1, "mail", "completed", at, at, False, 0))
    with store.session() as s:
        bulk.insert(s, EnrollmentRow.__table__, rows, ("id", "contact_id", "journey", "version", "node", "state",
                                                       "entered_at", "ended_at", "held", "seq"))


def _sends(store, sent: int, failed: int, connector: str = "mail") -> None:
    rows = []
    for i in range(sent + failed):
        at = NOW - timedelta(minutes=50 - i * 45 // (sent + failed))
        bad = i % ((sent + failed) // failed) == 0 if failed else False
        rows.append((f"k{i}", 1 + i, "welcome", "mail", "email", connector, {}, at, "failed" if bad else "sent", 1,
                     None if bad else at, "550 mailbox refused" if bad else None))
    with store.session() as s:
        bulk.insert(s, OutboxRow.__table__, rows, ("key", "contact_id", "journey", "node", "channel", "connector",
                                                   "payload", "at", "status", "attempts", "sent_at", "error"))


def test_a_week_of_steady_traffic_raises_no_alert(tmp_path):
    store = _store(tmp_path)
    _week(store, per_hour=20, last_hour=22)
    _sends(store, sent=400, failed=4)                     # 1 %: the usual bounce of a healthy list
    assert alerts(store, NOW) == []


def test_a_sender_failing_10_percent_of_sends_in_an_hour_raises_its_alert(tmp_path):
    store = _store(tmp_path)
    _week(store, per_hour=20, last_hour=20)
    _sends(store, sent=360, failed=40)
    found = alerts(store, NOW)
    assert [a.kind for a in found] == ["failures"], found
    assert found[0].text == "40 of 400 messages handed to senders in the last hour failed (10%, over 5%)"


def test_a_5x_enrollment_spike_raises_its_alert(tmp_path):
    store = _store(tmp_path)
    _week(store, per_hour=20, last_hour=100)
    found = alerts(store, NOW)
    assert [(a.kind, a.journey) for a in found] == [("spike", "welcome")], found
    assert "100 enrollments in the last hour" in found[0].text and "median of the last 7 days (20)" in found[0].text


def test_parked_contacts_and_a_failing_connector_each_raise_theirs(tmp_path):
    store = _store(tmp_path)
    with store.session() as s:
        s.add(EnrollmentRow(id="x1", contact_id=1, journey="welcome", version=1, node="hook", state="error",
                            entered_at=NOW, error="the webhook answered 500"))
        s.add(OutboxRow(key="z1", contact_id=2, journey="welcome", node="mail", channel="email", connector="smtp-eu",
                        payload={}, at=NOW - timedelta(minutes=5), status="pending", attempts=1,
                        error="the server refused the login"))
    texts = [a.text for a in alerts(store, NOW)]
    assert "welcome/hook: 1 contact parked with an error" in texts
    assert "connector smtp-eu is failing: the server refused the login" in texts
