"""The store-backed scheduler runs journeys exactly as the simulator does: the conformance cases,
driven through the commands a team uses (import, publish, events, enroll, run), on a virtual clock."""
import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from switchback.app.cli import main
from switchback.runtime.clock import parse_instant
from switchback.runtime.store.models import Delivery, EnrollmentRow, OutboxRow
from switchback.runtime.store.workspace import Store
from tests.conftest import CONFORMANCE
from tests.runtime.test_migrations import REVISIONS

CASES = sorted(p.parent.name for p in CONFORMANCE.glob("*/case.json"))


def sw(*args) -> int:
    return main([str(a) for a in args])


def run_case_in_store(case: str, ws, flag: str = "--workspace") -> tuple[list[tuple], dict]:
    """`ws` is a workspace file, or with flag="--db" a database URL."""
    d = CONFORMANCE / case
    spec = json.loads((d / "case.json").read_text())
    assert sw("run", "--fast-forward", "--start", spec["start"], flag, ws) == 0   # sets the virtual clock
    assert sw("import", d / "contacts.csv", flag, ws) == 0
    for j in spec["journeys"]:
        assert sw("publish", d / j, flag, ws) == 0
        doc = json.loads((d / j).read_text())
        if any(n["kind"] == "trigger.manual" for n in doc["nodes"]):
            assert sw("enroll", doc["key"], "--where", "true", flag, ws) == 0
    if (d / "events.jsonl").exists():
        assert sw("events", d / "events.jsonl", flag, ws) == 0
    assert sw("run", "--fast-forward", flag, ws) == 0
    store = Store(ws if flag == "--db" else f"sqlite:///{ws}")
    end = parse_instant(spec["start"]) + timedelta(days=spec["days"])
    with store.session() as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.at < end)).all()
        messages = sorted((r.to, r.journey, r.node, r.at.isoformat()) for r in rows)
        states = {}
        for e in s.scalars(select(EnrollmentRow)):
            states.setdefault(e.journey, []).append(e.state)
        assert s.scalar(select(func.count(OutboxRow.id)).where(OutboxRow.status != "sent")) == 0
        assert s.scalar(select(func.count(Delivery.id))) == s.scalar(select(func.count(OutboxRow.id)))
    store.close()
    return messages, {k: sorted(v) for k, v in states.items()}


def run_case_in_simulator(case: str, capsys) -> tuple[list[tuple], dict]:
    d = CONFORMANCE / case
    spec = json.loads((d / "case.json").read_text())
    args = ["simulate", *[d / j for j in spec["journeys"]], "--contacts", d / "contacts.csv", "--start", spec["start"],
            "--days", spec["days"], "--json"]
    if (d / "events.jsonl").exists():
        args += ["--events", d / "events.jsonl"]
    capsys.readouterr()
    assert sw(*args) == 0
    out = json.loads(capsys.readouterr().out)
    messages = sorted((m["to"], m["journey"], m["node"], parse_instant(m["at"]).isoformat()) for m in out["messages"])
    states = {}
    for c in out["contacts"]:
        states.setdefault(c["journey"], []).append(c["state"])
    return messages, {k: sorted(v) for k, v in states.items()}


@pytest.mark.parametrize("case", CASES)
def test_the_scheduler_sends_what_the_simulator_predicts(case, tmp_path, capsys):
    stored = run_case_in_store(case, tmp_path / "w.sqlite")
    simulated = run_case_in_simulator(case, capsys)
    assert stored[0] == simulated[0]
    assert stored[1] == simulated[1]
    if case != "tiering":
        assert stored[0], "the case sends something"


def test_migrations_build_the_schema_from_an_empty_database(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    assert store.revision() == REVISIONS[-1]
    from sqlalchemy import inspect
    tables = set(inspect(store.engine).get_table_names())
    assert {"contacts", "events", "journeys", "journey_versions", "connectors", "enrollments", "steps", "outbox"} <= tables
