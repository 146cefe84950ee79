"""Opening a workspace: a SQLite file (the embedded default) or a PostgreSQL URL, migrated to head."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from runtime.problems import InputError
from runtime.store import codec

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000             # how long a write waits for another process's to finish


def default_path() -> Path:
    """The user's own workspace, in the platform's data folder."""
    from platformdirs import user_data_dir
    return Path(user_data_dir("Switchback", appauthor=False)) / "workspace.sqlite"


def url_for(workspace: str | Path | None = None, db: str | None = None) -> str:
    if db:
        return db
    path = Path(workspace) if workspace else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _sqlite_pragmas(dbapi_connection, record) -> None:
    dbapi_connection.isolation_level = None         # SQLAlchemy's "begin" hook below opens transactions
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")          # readers never block the scheduler's writes
    cur.execute("PRAGMA synchronous=NORMAL")        # durable at every checkpoint; WAL keeps commits atomic
    # The scheduler rewrites the same contact and enrollment pages round after round: a cache that
    # holds them, and checkpoints far apart, copy each page once instead of many times (1.7x at
    # 100,000 contacts). Both are ceilings a small workspace never reaches. The log file keeps its
    # size between checkpoints (growing it again each time cost 5% on ext4); an idle scheduler
    # and the last connection to close fold it away (Store.checkpoint).
    cur.execute("PRAGMA cache_size=-262144")        # KiB
    cur.execute("PRAGMA wal_autocheckpoint=65536")  # pages: 256 MB of log
    cur.execute("PRAGMA journal_size_limit=268435456")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.close()


def _begin_sqlite(conn) -> None:
    # IMMEDIATE takes the write lock up front: two workers on one file then queue instead of both
    # reading the same due contacts and failing when they write. A durable transaction syncs the
    # log when it commits, which makes everything committed before it durable too.
    durable = conn.get_execution_options().get("durable")
    conn.exec_driver_sql("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _shown(url: str) -> str:
    """A database URL as it may be printed: without its password."""
    from sqlalchemy.engine import make_url
    try:
        return make_url(url).render_as_string(hide_password=True) if "://" in url else url
    except Exception:
        return url


class Store:
    """One workspace database. `session()` is one unit of work: commit on success, roll back on error."""

    def __init__(self, url: str, migrate: bool = True):
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        kwargs = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}} if self.is_sqlite else {"pool_pre_ping": True}
        self.engine: Engine = create_engine(url, json_serializer=codec.dumps, json_deserializer=codec.loads, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _begin_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def migrate(self, revision: str = "head") -> None:
        cfg = alembic_config()
        script = ScriptDirectory.from_config(cfg)
        try:
            with self.engine.begin() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
                if current == script.get_current_head() and revision == "head":
                    return
                if current is not None and current not in {r.revision for r in script.walk_revisions()}:
                    raise InputError(_shown(self.url), f"this workspace was made by a newer Switchback (schema "
                                     f"{current}; this one knows up to {script.get_current_head()}): open it with "
                                     f"that version or a later one")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
        except OperationalError as e:
            raise InputError(_shown(self.url), "cannot open the workspace: " + " ".join(str(e.orig).split())) from None

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def session(self, durable: bool = False) -> Iterator[Session]:
        """With `durable`, the transaction and all committed before it survive a power cut once it
        commits (SQLite otherwise syncs at checkpoints; PostgreSQL always syncs)."""
        with self._sessions() as s:
            with s.begin():
                if durable:
                    s.connection(execution_options={"durable": True})
                yield s

    def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it, so a workspace at
        rest is one file of its own size (checkpoints run by themselves only every 256 MB). Gives
        up at once while another connection reads or writes, and does nothing on PostgreSQL."""
        if not self.is_sqlite:
            return
        raw = self.engine.raw_connection()          # outside any transaction: a checkpoint cannot run in one
        try:
            cur = raw.cursor()
            cur.execute("PRAGMA busy_timeout=0")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cur.close()
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()


def open_store(workspace: str | Path | None = None, db: str | None = None) -> Store:
    try:
        return Store(url_for(workspace, db))
    except SQLAlchemyError as e:
        raise InputError(_shown(str(workspace or db or default_path())),
                         "cannot open the workspace: " + " ".join(str(e).split())) from None
