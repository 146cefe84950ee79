"""Pipedrive persons sync and write-back against a local stand-in for Pipedrive's API v2
(tests/connectors/fake_pipedrive.py)."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from switchback.connectors import registry
from switchback.connectors.crm_http import CrmError
from switchback.connectors.pipedrive import PipedriveSettings, PipedriveSource
from switchback.runtime.store.models import Contact, EventRow
from switchback.runtime.store.workspace import Store
from switchback.runtime.sync import cursor_of, sync
from tests.connectors.fake_pipedrive import SCORE, STAGE, FakePipedrive


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'workspace.sqlite'}")
    yield s
    s.close()


def source(fake: FakePipedrive, token: str | None = None, **settings) -> PipedriveSource:
    settings.setdefault("properties", {STAGE: "lifecycle_stage"})
    settings.setdefault("score_property", SCORE)
    return PipedriveSource("pd", PipedriveSettings(base_url=fake.url, **settings), token or fake.token, backoff=0.001)


def count(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(Contact.id)))


def contact(store: Store, email: str) -> dict | None:
    with store.session() as s:
        row = s.scalar(select(Contact).where(Contact.email == email))
        return None if row is None else dict(row.fields, _id=row.id)


def test_persons_sync_then_only_what_changed(store):
    with FakePipedrive(persons=1_200) as pd:
        pd.persons[3]["emails"] = [{"value": "old3@example.com", "primary": False, "label": "home"},
                                   {"value": "Person3@Example.com", "primary": True, "label": "work"}]
        calls = []
        result = sync(store, "pd", source(pd), progress=lambda done, total: calls.append((done, total)))
        assert (result.added, result.pages) == (1_200, 3) and count(store) == 1_200
        assert calls[-1] == (1_200, 1_200) and [d for d, _ in calls] == sorted(d for d, _ in calls)
        three = contact(store, "person3@example.com")                         # the primary address
        assert three["pipedrive_id"] == "3" and three["first_name"] == "First3" and three["phone"] == "+49300000003"
        assert three["company"] == "Initech" and three["owner"] == "ann@corp.example"
        assert three["lifecycle_stage"] == "lead" and three["job_title"] == "Engineer"
        assert "company" not in contact(store, "person4@example.com")         # no organization
        assert all("api_token" not in q and pd.token not in q for q in pd.queries)   # the token is a header

        pd.change(range(100, 110), job_title="Buyer")
        pd.change([5], emails=[{"value": "five@new.example", "primary": True, "label": "work"}])
        served = pd.served
        again = sync(store, "pd", source(pd))
        assert pd.served - served == 11                                     # only the changed persons
        assert (again.added, again.updated) == (0, 11) and count(store) == 1_200
        assert contact(store, "person5@example.com") is None
        moved = contact(store, "five@new.example")
        assert moved["pipedrive_id"] == "5"
        with store.session() as s:
            changes = [e.properties for e in s.scalars(select(EventRow).where(EventRow.contact_id == moved["_id"]))]
        assert changes == [{"email": "five@new.example"}]


def test_a_cancelled_sync_resumes_and_the_kind_is_registered(store, test_keyring):
    from switchback.connectors.secrets import get_secret, set_secret
    with FakePipedrive(persons=1_600) as pd:
        kind = registry.get("pipedrive")
        settings = kind.settings.model_validate({"base_url": pd.url, "properties": f"{STAGE}=lifecycle_stage",
                                                 "score_property": SCORE})
        set_secret("crm", "api_token", pd.token)
        build = lambda: kind.source("crm", settings, lambda key: get_secret("crm", key))   # noqa: E731
        seen = []
        first = sync(store, "crm", build(), progress=lambda d, t: seen.append(d), cancelled=lambda: bool(seen))
        assert first.cancelled and count(store) == 500 and json.loads(cursor_of(store, "crm"))["done"] == 500
        rest = sync(store, "crm", build())
        assert rest.added == 1_100 and count(store) == 1_600
        assert pd.answered["GET /api/v2/persons"] == 4                      # 500 + 500 + 500 + 100, none twice


def test_write_back_patches_persons(store):
    with FakePipedrive(persons=5) as pd:
        sync(store, "pd", source(pd))
        failed = source(pd).push([("1", {"score": 40, "lifecycle_stage": "customer", "owner": "bo@corp.example"}),
                                  ("2", {"owner": "nobody@corp.example"}),
                                  ("99", {"score": 1})])
        assert pd.patches[0] == (1, {"owner_id": 12, "custom_fields": {SCORE: 40, STAGE: "customer"}})
        assert pd.persons[1]["owner_id"] == 12 and pd.persons[1]["custom_fields"][SCORE] == 40
        assert "nobody@corp.example" in failed["2"] and "404" in failed["99"] and "1" not in failed


def test_rate_limits_errors_and_a_refused_token(store):
    with FakePipedrive(persons=1_100) as pd:
        pd.rate_limit_every, pd.error_every = 2, 3
        assert sync(store, "pd", source(pd)).added == 1_100
        assert pd.faulted[429] >= 1 and pd.faulted[503] >= 1

        with pytest.raises(CrmError) as refused:
            sync(store, "pd", source(pd, token="not-the-token"))
        assert str(refused.value).startswith("pd (pipedrive): Pipedrive refused the API token") and "not-the-token" not in str(refused.value)
        pd.rate_limit_every = pd.error_every = 0
        pd.script.extend([(503, None)] * 5)
        pd.change([1], job_title="CEO")
        with pytest.raises(CrmError, match=r"^pd \(pipedrive\): GET /api/v2/persons answered 503 five times$"):
            sync(store, "pd", source(pd))


def test_deals_won_reach_the_person_they_belong_to_once(store):
    from switchback.runtime.crm_activity import sync_activity
    with FakePipedrive(persons=30) as pd:
        pd.add_deals(30)
        src = source(pd)
        sync(store, "pd", src)
        first = sync_activity(store, "pd", src.activity())
        assert first.read == {"deals": 30} and first.events == 0            # the state before: no event
        assert contact(store, "person3@example.com")["deal_stage"] == "1"
        pd.move_deal(3, status="won", close_time="2026-03-05T10:00:00Z")
        pd.move_deal(4, stage_id=9)                                          # a stage removed in Pipedrive
        sync(store, "pd", src)
        again = sync_activity(store, "pd", src.activity())
        assert again.read["deals"] <= 3 and again.events == 2
        assert "deal 4 (Deal 4): stage 9 is not in Pipedrive any more; kept without its name" in again.lines
        with store.session() as s:
            [props] = s.scalars(select(EventRow.properties).where(EventRow.type == "deal_stage_changed",
                                                                  EventRow.properties["stage"].as_string() == "won")).all()
        assert props == {"deal": "3", "deal_name": "Deal 3", "pipeline": "1", "stage": "won", "from_stage": "1",
                         "stage_label": "Won", "amount": 503.0, "close_date": "2026-03-05"}
        assert sync_activity(store, "pd", src.activity()).events == 0
        src.close()
