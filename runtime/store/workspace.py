"""Opening a workspace: a SQLite file (the embedded default) or a PostgreSQL URL, migrated to head."""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from switchback.runtime.problems import InputError
from switchback.runtime.store import codec
from switchback.runtime.store import tables  # noqa: F401  (every table joins the metadata before a workspace opens)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000             # how long a write waits for another process's to finish
# What SQLite and PostgreSQL say when the disk or the file, not the command, is the problem.
_FULL = ("database or disk is full", "disk I/O error", "No space left on device", "could not extend file")
_DAMAGED = ("database disk image is malformed",)


def default_path() -> Path:
    """The user's own workspace, in the platform's data folder."""
    from platformdirs import user_data_dir
    return Path(user_data_dir("Switchback", appauthor=False)) / "workspace.sqlite"


def url_for(workspace: str | Path | None = None, db: str | None = None, create: bool = True) -> str:
    """The URL of a workspace. A file that is not there is only made when `create` (a command that
    writes; the designer) — then with its folder; a command that only reads refuses a mistyped path
    instead. An empty file is reported, never silently made a new workspace (as SQLite would)."""
    if db:
        return db
    path = Path(workspace) if workspace else default_path()
    if path.is_dir():
        raise InputError(str(path), "is a folder, not a workspace file")
    if not path.exists():
        if not create:
            raise InputError(str(path), "no such workspace")
        path.parent.mkdir(parents=True, exist_ok=True)
    elif path.stat().st_size == 0:
        raise InputError(str(path), "is empty (0 bytes), not a workspace: restore it from a backup, or delete it "
                         "to start a new workspace there")
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
    # A batch of steps is saved inside a savepoint (one refused row parks one contact, not the
    # batch: runtime/isolation.py), and SQLite keeps the savepoint's copies of the pages it changes
    # in a temporary file: in memory they cost 4% of the scheduler's time less.
    cur.execute("PRAGMA temp_store=MEMORY")
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


# The newest migration. A workspace already there opens without alembic (a fifth of a command's
# start); tests/runtime/test_migrations.py checks this is alembic's head.
HEAD = "0014"


def alembic_config():
    from alembic.config import Config
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
        self.place = url.removeprefix("sqlite:///") if self.is_sqlite else _shown(url)    # as errors name it
        kwargs = {"connect_args": {"timeout": BUSY_TIMEOUT_MS / 1000}} if self.is_sqlite else {"pool_pre_ping": True}
        self.engine: Engine = create_engine(url, json_serializer=codec.dumps, json_deserializer=codec.loads, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _begin_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def migrate(self, revision: str = "head") -> None:
        if revision == "head" and self._stamped() == HEAD:
            return
        from alembic import command
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory
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

    def _stamped(self) -> str | None:
        """The revision the workspace says it is at, read without alembic; None when unsure."""
        try:
            with self.engine.connect() as conn:
                rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except SQLAlchemyError:
            return None                        # a new workspace, or something alembic will explain
        return rows[0][0] if len(rows) == 1 else None

    def checked_within(self, span: timedelta) -> bool:
        try:
            with self.engine.connect() as conn:
                at = conn.exec_driver_sql("SELECT value FROM settings WHERE key = ?", (CHECKED,)).scalar()
            return datetime.now(timezone.utc) - datetime.fromisoformat(json.loads(at)) < span
        except (SQLAlchemyError, TypeError, ValueError):
            return False                       # never checked, or unreadable: check now

    def note_checked(self) -> None:
        """Best effort: a workspace on a read-only disk is still read."""
        at = json.dumps(datetime.now(timezone.utc).isoformat())
        try:
            with self.engine.begin() as conn:
                conn.exec_driver_sql("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) "
                                     "DO UPDATE SET value = excluded.value", (CHECKED, at))
        except SQLAlchemyError:
            pass

    def quick_check(self, full: bool = True) -> None:
        """SQLite: a damaged file is reported when it is opened, not found out half-way through a
        command (or never: reads past a bad page may just see fewer rows). Not `full`: the header
        and the schema only."""
        if not self.is_sqlite:
            return
        with self.engine.connect() as conn:
            if not full:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()   # "not a database" here
                return
            found = [" ".join(line.split()) for row in conn.exec_driver_sql("PRAGMA quick_check(3)")
                     for line in row[0].splitlines() if line.strip() != "*** in database main ***"]
        if found != ["ok"]:
            raise InputError(self.place, f"the workspace file is damaged (PRAGMA quick_check: {'; '.join(found)}); "
                             "restore it from a backup")

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            from alembic.runtime.migration import MigrationContext
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def session(self, durable: bool = False) -> Iterator[Session]:
        """With `durable`, the transaction and all committed before it survive a power cut once it
        commits (SQLite otherwise syncs at checkpoints; PostgreSQL always syncs)."""
        try:
            with self._sessions() as s:
                with s.begin():
                    if durable:
                        s.connection(execution_options={"durable": True})
                    yield s
        except OperationalError as e:
            raise self._explained(e) from None

    def _explained(self, e: OperationalError) -> Exception:
        """A full disk or a damaged file in one line; anything else as it was. A full disk may
        surface as what failed after it (a savepoint SQLite already rolled back)."""
        causes, cause = [], e
        while cause is not None:
            causes.append(" ".join(str(getattr(cause, "orig", cause)).split()))
            cause = cause.__context__
        reason = next((c for c in causes if any(w in c for w in _FULL + _DAMAGED)), causes[0])
        if any(words in reason for words in _FULL):
            return InputError(self.place, f"cannot write the workspace ({reason}; is the disk full?): what "
                              "this step was writing is rolled back")
        if any(words in reason for words in _DAMAGED):
            return InputError(self.place, f"the workspace file is damaged ({reason}); restore it from a backup")
        return e

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
        except sqlite3.OperationalError as e:        # a raw connection: the driver's own error
            raise self._explained(OperationalError("PRAGMA wal_checkpoint", None, e)) from None
        finally:
            raw.close()

    def close(self) -> None:
        self.engine.dispose()


FULL_CHECK_BYTES = 32 * 2**20          # a whole check of this much costs about 0.15 s
FULL_CHECK_EVERY = timedelta(hours=24)
CHECKED = "checked:full"                    # the settings key: when the file last passed a full check


def open_store(workspace: str | Path | None = None, db: str | None = None, create: bool = True,
               reads_only: bool = False) -> Store:
    """The workspace, checked (SQLite: PRAGMA quick_check) and migrated; InputError in one line if it
    cannot be. `create=False` for commands that need an existing one (see url_for). Reading every
    page of a 1.4 GB workspace costs seconds, so a command that `reads_only` (trace, report, audit)
    on a file over FULL_CHECK_BYTES checks only the header and schema when the whole file passed a
    check in the last FULL_CHECK_EVERY (any command that writes checks it whole, and notes when)."""
    place = _shown(str(db or workspace or default_path()))
    try:
        store = Store(url_for(workspace, db, create), migrate=False)
        try:
            big = store.is_sqlite and Path(store.place).is_file() and Path(store.place).stat().st_size > FULL_CHECK_BYTES
            full = not (reads_only and big and store.checked_within(FULL_CHECK_EVERY))
            store.quick_check(full)
            store.migrate()
            if full and big:
                store.note_checked()
        except BaseException:
            store.close()
            raise
        return store
    except SQLAlchemyError as e:
        reason = getattr(e, "orig", None) or e
        raise InputError(place, "cannot open the workspace: " + " ".join(str(reason).split())) from None
    except ImportError as e:                  # create_engine imports the URL's driver
        raise InputError(place, f"cannot open the workspace: its database driver {e.name or ''} is not installed "
                         f"(a PostgreSQL URL starts postgresql+psycopg://)") from None
