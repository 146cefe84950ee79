"""Many rows in one statement, straight through the driver: the scheduler's hot path writes tens of
thousands of rows a second, and SQLAlchemy's per-row parameter processing would be most of the cost.
Values are converted here exactly as the models' column types store them."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any, Sequence

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

from runtime.store.models import UTC


def _tagged(value: Any) -> Any:
    """Dates in JSON, tagged as runtime/store/codec.py stores them (json.dumps calls this only for
    what it cannot write itself, so plain values cost nothing)."""
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not JSON")


def _converter(column, dialect: str):
    """How a value of this column goes to the driver; None when it goes as it is."""
    if isinstance(column.type, UTC):
        return _sqlite_time if dialect == "sqlite" else None     # SQLite: naive UTC text, as SQLAlchemy stores it
    if isinstance(column.type, JSON):
        if dialect == "sqlite":
            return lambda v: None if v is None else json.dumps(v, default=_tagged)
        from psycopg.types.json import Json
        return lambda v: None if v is None else Json(v, dumps=lambda x: json.dumps(x, default=_tagged))
    return None


_TIMES: dict[datetime, str] = {}


def _sqlite_time(v: datetime | None) -> str | None:
    """Rows in one batch share a few moments (its `now`, the same due times): format each once."""
    if v is None:
        return None
    text = _TIMES.get(v)
    if text is None:
        if len(_TIMES) > 50_000:
            _TIMES.clear()
        u = v.astimezone(timezone.utc)
        text = _TIMES[v] = "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (u.year, u.month, u.day, u.hour, u.minute,
                                                                   u.second, u.microsecond)
    return text


def _rows(table: Table, names: Sequence[str], rows: list[dict[str, Any]], dialect: str) -> list[tuple]:
    convert = [(i, f) for i, n in enumerate(names) if (f := _converter(table.c[n], dialect)) is not None]
    out = []
    for r in rows:
        values = [r[n] for n in names]
        for i, f in convert:
            values[i] = f(values[i])
        out.append(tuple(values))
    return out


def insert(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    dialect = s.bind.dialect.name
    names = list(rows[0])
    q = s.bind.dialect.identifier_preparer.quote
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {q(table.name)} ({', '.join(map(q, names))}) VALUES ({', '.join([mark] * len(names))})"
    s.connection().exec_driver_sql(sql, _rows(table, names, rows, dialect))


def update_by_id(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """UPDATE ... WHERE id = row["id"] for each row (every row has the same keys)."""
    if not rows:
        return
    dialect = s.bind.dialect.name
    names = [n for n in rows[0] if n != "id"]
    q = s.bind.dialect.identifier_preparer.quote
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"UPDATE {q(table.name)} SET {', '.join(f'{q(n)} = {mark}' for n in names)} WHERE id = {mark}"
    s.connection().exec_driver_sql(sql, _rows(table, [*names, "id"], rows, dialect))
