"""HubSpot contacts sync and write-back against a local stand-in that speaks HubSpot's CRM v3 API
(tests/connectors/fake_hubspot.py): a fresh SQLite workspace, the real source, the real sync loop."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from switchback.app.cli import main
from switchback.connectors import registry
from switchback.connectors.crm_http import CrmError
from switchback.connectors.hubspot import HubSpotSettings, HubSpotSource
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import Contact, EventRow
from switchback.runtime.store.workspace import Store
from switchback.runtime.sync import cursor_of, push_changes, sync
from tests.connectors.fake_hubspot import FakeHubSpot
from tests.connectors.servers import closed_port


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    yield s
    s.close()


def source(fake: FakeHubSpot, token: str | None = None, **settings) -> HubSpotSource:
    """The source as `switchback sync` builds it, retrying fast (tests need not wait out backoffs)."""
    return HubSpotSource("hs", HubSpotSettings(base_url=fake.url, **settings), token or fake.token, backoff=0.001,
                         search_per_second=0)


def count(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(Contact.id)))


def contact(store: Store, email: str) -> dict | None:
    with store.session() as s:
        row = s.scalar(select(Contact).where(Contact.email == email))
        return None if row is None else dict(row.fields, _id=row.id)


def updates_of(store: Store, contact_id: int) -> list[dict]:
    with store.session() as s:
        return [e.properties for e in s.scalars(
            select(EventRow).where(EventRow.contact_id == contact_id, EventRow.type == "contact_updated"))]


QUALIFY = {"format": "switchback.journey/1", "key": "qualify", "name": "Qualify",
           "nodes": [{"id": "start", "kind": "trigger.manual", "config": {}},
                     {"id": "plus", "kind": "action.score", "config": {"add": 20}},
                     {"id": "stage", "kind": "action.update", "config": {"set": {"lifecycle_stage": "marketingqualifiedlead"}}},
                     {"id": "owner", "kind": "action.assign_owner",
                      "config": {"rules": [{"when": "true", "owner": "bo@corp.example"}]}}],
           "edges": [{"from": "start", "to": "plus"}, {"from": "plus", "to": "stage"}, {"from": "stage", "to": "owner"}]}


def test_100k_contacts_then_only_what_changed(store):
    with FakeHubSpot(contacts=100_000) as hs:
        calls: list[tuple[int, int | None]] = []
        started = time.perf_counter()
        result = sync(store, "hs", source(hs), progress=lambda done, total: calls.append((done, total)))
        took = time.perf_counter() - started
        print(f"\nfirst sync: 100,000 contacts in {took:.1f} s ({result.pages} pages)")
        assert took < 60
        assert (result.added, result.updated, result.pages) == (100_000, 0, 1000)
        assert count(store) == 100_000
        done = [d for d, _ in calls]
        assert done == sorted(done) and calls[-1] == (100_000, 100_000)
        assert all(total == 100_000 for _, total in calls)
        assert hs.answered["GET /crm/v3/objects/contacts"] == 1000

        one = contact(store, "person5@example.com")
        assert one["hubspot_id"] == "5" and one["first_name"] == "First5" and one["last_name"] == "Last5"
        assert one["timezone"] == "America/New_York"                              # america_slash_new_york
        assert one["owner"] == "ann@corp.example"                                 # owner 101, by its email
        assert one["lifecycle_stage"] == "lead" and one["score"] == 0
        assert "timezone" not in contact(store, "person7@example.com")            # HubSpot has none for 7

        # Fifty contacts change in HubSpot, one of them to a new address.
        changed = list(range(500, 100_000, 2000))
        assert len(changed) == 50
        hs.change(changed, jobtitle="Head of Growth")
        hs.change([4500], email="New.Address@Example.org")
        served, lists, searches = hs.served, hs.answered["GET /crm/v3/objects/contacts"], \
            hs.answered["POST /crm/v3/objects/contacts/search"]
        started = time.perf_counter()
        again = sync(store, "hs", source(hs))
        print(f"second sync: {again.updated} changed contacts in {time.perf_counter() - started:.2f} s")
        assert hs.served - served == 50                                   # only what changed was fetched
        assert hs.answered["GET /crm/v3/objects/contacts"] == lists       # no listing
        assert hs.answered["POST /crm/v3/objects/contacts/search"] == searches + 1
        assert (again.added, again.updated, again.unchanged) == (0, 50, 0)
        assert count(store) == 100_000                                    # updated, never duplicated
        assert contact(store, "person4500@example.com") is None
        moved = contact(store, "new.address@example.org")
        assert moved["hubspot_id"] == "4500"
        assert {"email": "New.Address@Example.org", "job_title": "Head of Growth"}.items() <= updates_of(store, moved["_id"])[0].items()
        assert updates_of(store, contact(store, "person500@example.com")["_id"]) == [{"job_title": "Head of Growth"}]

        # Nothing changed: nothing is fetched, nothing happens.
        served = hs.served
        third = sync(store, "hs", source(hs))
        assert (third.added, third.updated) == (0, 0) and hs.served - served <= 51      # the look-back re-reads at most those


def test_a_cancelled_or_crashed_sync_resumes_from_its_cursor(store):
    with FakeHubSpot(contacts=5_000) as hs:
        seen: list[int] = []

        def progress(done, total):
            seen.append(done)

        first = sync(store, "hs", source(hs), progress=progress, cancelled=lambda: bool(seen) and seen[-1] >= 2_500)
        assert first.cancelled and first.pages == 25 and count(store) == 2_500
        assert json.loads(cursor_of(store, "hs"))["done"] == 2_500

        def crash(done, total):                        # the process dies after 10 more pages
            if done >= 3_500:
                raise KeyboardInterrupt
        with pytest.raises(KeyboardInterrupt):
            sync(store, "hs", source(hs), progress=crash)
        assert count(store) == 3_500

        rest = sync(store, "hs", source(hs), progress=progress)
        assert not rest.cancelled and rest.added == 1_500 and count(store) == 5_000
        assert seen[-1] == 5_000
        listed = hs.answered["GET /crm/v3/objects/contacts"]
        assert listed == 50                            # 50 pages of 100: no page fetched twice
        assert not cursor_of(store, "hs").startswith("{")        # the listing is over: searches from now on


def test_contacts_already_in_the_workspace_are_matched_by_email(store):
    with FakeHubSpot(contacts=300) as hs:
        with store.session() as s:
            repo.import_contacts(s, [{"email": "PERSON5@example.com", "first_name": "Old", "tags": ["vip"]}],
                                 datetime.now(timezone.utc))
        result = sync(store, "hs", source(hs))
        assert (result.added, result.updated) == (299, 1) and count(store) == 300
        five = contact(store, "person5@example.com")
        assert five["hubspot_id"] == "5" and five["tags"] == ["vip"]
        assert updates_of(store, five["_id"])[0]["first_name"] == "First5"

        # A second HubSpot record with an address a linked contact already has is not merged into it.
        hs.change([6], email="person5@example.com")
        clash = sync(store, "hs", source(hs))
        assert clash.conflicts and "person5@example.com" in clash.conflicts[0] and count(store) == 300
        assert contact(store, "person6@example.com")["hubspot_id"] == "6"


def test_custom_properties_are_typed_and_settings_come_from_text(store, test_keyring):
    from switchback.connectors.secrets import set_secret
    with FakeHubSpot(contacts=20) as hs:
        kind = registry.get("hubspot")
        settings = kind.settings.model_validate({"base_url": hs.url, "timeout": "10",
                                                 "properties": "num_employees=employees,trial_ends=trial_ends,industry=industry"})
        set_secret("crm", "access_token", hs.token)
        from switchback.connectors.secrets import get_secret
        built = kind.source("crm", settings, lambda key: get_secret("crm", key))
        sync(store, "crm", built)
        three = contact(store, "person3@example.com")
        assert three["employees"] == 13 and three["industry"] == "SOFTWARE"
        assert str(three["trial_ends"]) == "2026-05-01" and type(three["trial_ends"]).__name__ == "date"


def test_write_back_lands_in_hubspot(store, tmp_path):
    ws = tmp_path / "workspace.sqlite"
    with FakeHubSpot(contacts=300) as hs:
        sync(store, "hs", source(hs))
        path = tmp_path / "qualify.journey.json"
        path.write_text(json.dumps(QUALIFY))
        emails = [f"person{i}@example.com" for i in range(1, 251)]
        assert main(["publish", str(path), "--workspace", str(ws)]) == 0
        assert main(["enroll", "qualify", *emails, "--workspace", str(ws)]) == 0
        assert main(["run", "--until-idle", "--workspace", str(ws)]) == 0

        pushed = push_changes(store, "hs", source(hs))
        assert pushed.sent == 250 and not pushed.failed
        assert hs.answered["POST /crm/v3/objects/contacts/batch/update"] == 3          # 100 + 100 + 50
        assert len(hs.updates) == 250
        assert hs.contact(7)["switchback_score"] == "20"
        assert hs.contact(7)["lifecyclestage"] == "marketingqualifiedlead"
        assert hs.contact(7)["hubspot_owner_id"] == "102"                            # bo@corp.example
        assert "switchback_score" not in hs.contact(251)                              # not enrolled

        assert push_changes(store, "hs", source(hs)).sent == 0                         # nothing new since

        # A change made in HubSpot comes in, is applied by the scheduler, and is not sent back.
        hs.change([260], lifecyclestage="customer")
        assert sync(store, "hs", source(hs)).updated >= 1
        assert main(["run", "--until-idle", "--workspace", str(ws)]) == 0
        assert contact(store, "person260@example.com")["lifecycle_stage"] == "customer"
        assert push_changes(store, "hs", source(hs)).sent == 0


def test_write_back_reports_what_hubspot_refused(store):
    with FakeHubSpot(contacts=5) as hs:
        failed = source(hs).push([("1", {"score": 5, "owner": "nobody@corp.example"}), ("999", {"score": 1})])
        assert "nobody@corp.example" in failed["1"] and "not exist" in failed["999"]
        assert hs.contact(1)["switchback_score"] == "5"                  # the rest of the record went
        refused = source(hs, score_property="no_such_property").push([("1", {"score": 5}), ("2", {"score": 6})])
        assert set(refused) == {"1", "2"}
        assert refused["1"].startswith("POST /crm/v3/objects/contacts/batch/update answered 400") and \
            "no_such_property" in refused["1"] and "\n" not in refused["1"]


def test_rate_limits_and_server_errors_are_retried(store):
    with FakeHubSpot(contacts=3_000) as hs:
        hs.rate_limit_every, hs.retry_after, hs.error_every = 7, "0", 11
        result = sync(store, "hs", source(hs))
        assert result.added == 3_000 and count(store) == 3_000
        assert hs.faulted[429] >= 3 and hs.faulted[500] >= 2

        hs.rate_limit_every = hs.error_every = 0
        hs.script.extend([(429, "1")])                  # HubSpot asks for a second: the source waits it out
        hs.change([1], firstname="Patient")
        started = time.perf_counter()
        assert sync(store, "hs", source(hs)).updated == 1
        assert time.perf_counter() - started >= 1.0


def test_failures_that_retrying_cannot_fix_give_one_line(store):
    with FakeHubSpot(contacts=10) as hs:
        with pytest.raises(CrmError) as refused:
            sync(store, "hs", source(hs, token="pat-wrong"))
        line = str(refused.value)
        assert "\n" not in line and "pat-wrong" not in line
        assert line.startswith("hs (hubspot): HubSpot refused the access token") and "401" in line

        hs.script.extend([(500, None)] * 5)
        with pytest.raises(CrmError) as broken:
            sync(store, "hs", source(hs))
        assert str(broken.value) == "hs (hubspot): POST /crm/v3/objects/contacts/search answered 500 five times"
        assert count(store) == 0

        hs.script.extend([("slow", "0.5")] * 5)                # each answer later than the 0.2 s timeout
        with pytest.raises(CrmError, match=r"^hs \(hubspot\): POST /crm/v3/objects/contacts/search timed out five times$"):
            sync(store, "hs", source(hs, timeout=0.2))

    nowhere = HubSpotSource("hs", HubSpotSettings(base_url=f"http://127.0.0.1:{closed_port()}"), "pat-x",
                            backoff=0.001, search_per_second=0)
    with pytest.raises(CrmError, match=r"^hs \(hubspot\): POST /crm/v3/objects/contacts/search could not be reached "
                                       r"\(ConnectError\) five times$"):
        sync(store, "hs", nowhere)
    with pytest.raises(CrmError, match="no access_token secret"):
        HubSpotSource("hs", HubSpotSettings(), None)


def test_more_than_10000_changes_are_read_across_several_searches(store):
    with FakeHubSpot(contacts=12_000) as hs:
        sync(store, "hs", source(hs))
        hs.change(range(1, 11_001), jobtitle="Changed once")            # 11,000 distinct instants
        searches = hs.answered["POST /crm/v3/objects/contacts/search"]
        first = sync(store, "hs", source(hs))
        assert first.updated == 11_000 and count(store) == 12_000
        assert hs.answered["POST /crm/v3/objects/contacts/search"] - searches >= 111      # two queries

        hs.change(range(1, 10_501), same_instant=True, jobtitle="Changed at once")      # one instant for 10,500
        second = sync(store, "hs", source(hs))
        assert second.updated == 10_500
        last = contact(store, "person10500@example.com")
        assert [u["job_title"] for u in updates_of(store, last["_id"])] == ["Changed once", "Changed at once"]
        with store.session() as s:
            assert s.scalar(select(func.count(EventRow.id)).where(EventRow.type == "contact_updated")) == 21_500


@pytest.mark.skipif(not __import__("tests.support.postgres", fromlist=["available"]).available(),
                    reason="PostgreSQL is not installed (.ci/run installs it)")
def test_the_same_sync_and_write_back_on_postgresql(tmp_path):
    from tests.support import postgres
    with postgres.server() as url, FakeHubSpot(contacts=2_500) as hs:
        pg = Store(url)
        try:
            assert sync(pg, "hs", source(hs)).added == 2_500
            hs.change([10, 20], jobtitle="Moved")
            hs.change([30], email="thirty@new.example")
            again = sync(pg, "hs", source(hs))
            assert (again.added, again.updated) == (0, 3) and count(pg) == 2_500
            assert contact(pg, "thirty@new.example")["hubspot_id"] == "30"
            with pg.session() as s:
                assert len(repo.crm_ids(s, "hubspot_id")) == 2_500

            path = tmp_path / "qualify.journey.json"
            path.write_text(json.dumps(QUALIFY))
            assert main(["publish", str(path), "--db", url]) == 0
            assert main(["enroll", "qualify", "person1@example.com", "person2@example.com", "--db", url]) == 0
            assert main(["run", "--until-idle", "--db", url]) == 0
            assert push_changes(pg, "hs", source(hs)).sent == 2
            # Steps of the last minute may still have older ids committing: they are looked at again ...
            assert push_changes(pg, "hs", source(hs)).sent == 2
            # ... until they have settled.
            later = datetime.now(timezone.utc) + timedelta(minutes=2)
            assert push_changes(pg, "hs", source(hs), now=later).sent == 2
            assert push_changes(pg, "hs", source(hs), now=later).sent == 0
            assert hs.contact(2)["hubspot_owner_id"] == "102" and hs.contact(2)["switchback_score"] == "20"
        finally:
            pg.close()
