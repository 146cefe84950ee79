"""Every schema change is an Alembic revision: a workspace made by each earlier revision, with data
in it, upgrades to head and goes on running, on SQLite and on PostgreSQL.

Each revision has a data file, tests/data/migrations/<revision>.sql, written for the schema as that
revision left it; a new revision adds its own file."""
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from switchback.app.cli import main
from switchback.runtime.clock import VirtualClock, parse_instant
from switchback.runtime.scheduler import Scheduler
from switchback.runtime.store.models import Base, Delivery, EnrollmentRow
from switchback.runtime.store.workspace import HEAD, Store, alembic_config
from tests.conftest import DATA
from tests.support import postgres

REVISIONS = [r.revision for r in reversed(list(ScriptDirectory.from_config(alembic_config()).walk_revisions()))]


def test_the_head_a_workspace_opens_at_without_alembic_is_alembics_head():
    assert HEAD == ScriptDirectory.from_config(alembic_config()).get_current_head() == REVISIONS[-1]


def test_every_revision_has_its_data_file():
    # Revisions made side by side are numbered apart and chained in the order they landed.
    assert sorted(p.stem for p in (DATA / "migrations").glob("*.sql")) == sorted(REVISIONS)


def test_the_migrations_build_exactly_the_models_schema(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'new.sqlite'}")
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_a_workspace_from_a_newer_switchback_is_refused_in_one_line_and_left_as_it_was(tmp_path, capsys):
    path = tmp_path / "newer.sqlite"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    assert main(["run", "--until-idle", "--workspace", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "made by a newer Switchback (schema 0099" in err, err
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]


def upgrade_with_data(url: str, revision: str) -> Store:
    store = Store(url, migrate=False)
    store.migrate(revision)
    script = (DATA / "migrations" / f"{revision}.sql").read_text()
    if not store.is_sqlite:
        script = script.replace(".000000'", "+00'")
    with store.engine.begin() as conn:
        for statement in filter(None, (s.strip() for s in script.split(";"))):
            lines = [l for l in statement.splitlines() if not l.startswith("--")]
            if lines:
                conn.execute(text("\n".join(lines)))
    store.migrate("head")
    return store


def goes_on_running(store: Store) -> None:
    assert store.revision() == REVISIONS[-1]
    Scheduler(store, VirtualClock(parse_instant("2026-03-02T10:00:00Z"))).run(until_idle=True)
    with store.session() as s:
        e = s.get(EnrollmentRow, "e1")
        assert (e.state, e.node) == ("completed", "m")
        assert [d.payload["subject"] for d in s.scalars(select(Delivery))] == ["Hi Ada"]


@pytest.mark.parametrize("revision", REVISIONS)
def test_a_sqlite_workspace_from_each_revision_upgrades_and_runs(revision, tmp_path):
    store = upgrade_with_data(f"sqlite:///{tmp_path / 'old.sqlite'}", revision)
    goes_on_running(store)


@pytest.mark.skipif(not postgres.available(), reason="PostgreSQL is not installed (.ci/run installs it)")
@pytest.mark.parametrize("revision", REVISIONS)
def test_a_postgresql_workspace_from_each_revision_upgrades_and_runs(revision):
    with postgres.server() as url:
        store = upgrade_with_data(url, revision)
        goes_on_running(store)
        store.close()
