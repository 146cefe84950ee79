"""Many rows in one statement, straight through the driver: the scheduler's hot path writes tens of
thousands of rows a second, and SQLAlchemy's per-row parameter processing would be most of the cost.
Values are converted here exactly as the models' column types store them."""
from __future__ import annotations

import json
from typing import Iterable, Sequence

from sqlalchemy import ARRAY, JSON, ColumnElement, Table, any_, bindparam, func, literal_column, select
from sqlalchemy.orm import Session

from switchback.runtime.store import codec
from switchback.runtime.store.models import UTC, sqlite_text


def _converter(column, dialect: str):
    """How a value of this column goes to the driver; None when it goes as it is."""
    if isinstance(column.type, UTC):
        return sqlite_text if dialect == "sqlite" else None     # SQLite: naive UTC text, as SQLAlchemy stores it
    if isinstance(column.type, JSON):
        if dialect == "sqlite":
            return lambda v: None if v is None else codec.dumps(v)
        from psycopg.types.json import Json
        return lambda v: None if v is None else Json(v, dumps=codec.dumps)
    return None


def _rows(table: Table, names: Sequence[str], rows: list[tuple], dialect: str) -> list[tuple]:
    """Rows as the driver takes them, with only the columns that need it converted. Converted column
    by column: transposing and mapping run in C."""
    convert = [(i, f) for i, n in enumerate(names) if (f := _converter(table.c[n], dialect)) is not None]
    if not convert:
        return rows
    columns: list = list(zip(*rows))
    for i, f in convert:
        columns[i] = map(f, columns[i])
    return list(zip(*columns))


def insert(s: Session, table: Table, rows: list[tuple], names: Sequence[str]) -> None:
    """INSERT every row, each a tuple in the order of `names`."""
    if not rows:
        return
    dialect = s.bind.dialect.name
    q = s.bind.dialect.identifier_preparer.quote
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"INSERT INTO {q(table.name)} ({', '.join(map(q, names))}) VALUES ({', '.join([mark] * len(names))})"
    s.connection().exec_driver_sql(sql, _rows(table, names, rows, dialect))


def insert_new(s: Session, table: Table, key: str, values: list[str], also: dict) -> set[str]:
    """INSERT a row for each of `values` (its text `key`, and the columns of `also`) that is not in
    the table yet, in one statement; returns the values inserted. A value twice in `values`, or
    already there (on PostgreSQL: committed by a racing transaction meanwhile), is not inserted again."""
    if not values:
        return set()
    dialect = s.bind.dialect.name
    q = s.bind.dialect.identifier_preparer.quote
    extra = [f(v) if (f := _converter(table.c[n], dialect)) else v for n, v in also.items()]
    if dialect == "sqlite":         # `WHERE true`: SQLite's grammar needs it before ON CONFLICT after a SELECT
        source = f"SELECT {', '.join(['value', *['?'] * len(extra)])} FROM json_each(?) WHERE true"
        params = (*extra, json.dumps(values))
    else:
        source = f"SELECT {', '.join(['unnest(%s::text[])', *['%s'] * len(extra)])}"
        params = (list(values), *extra)
    sql = (f"INSERT INTO {q(table.name)} ({', '.join(map(q, [key, *also]))}) {source} "
           f"ON CONFLICT DO NOTHING RETURNING {q(key)}")
    return {r[0] for r in s.connection().exec_driver_sql(sql, params)}


def update_by_id(s: Session, table: Table, rows: list[tuple], names: Sequence[str]) -> None:
    """UPDATE ... WHERE id = the row's id, for each row: a tuple in the order of `names`, the id last."""
    if not rows:
        return
    dialect = s.bind.dialect.name
    names = [n for n in names if n != "id"]
    q = s.bind.dialect.identifier_preparer.quote
    mark = "?" if dialect == "sqlite" else "%s"
    sql = f"UPDATE {q(table.name)} SET {', '.join(f'{q(n)} = {mark}' for n in names)} WHERE id = {mark}"
    s.connection().exec_driver_sql(sql, _rows(table, [*names, "id"], rows, dialect))


def rows_where_in(s: Session, table: Table, names: Sequence[str], key: str, values: list) -> list[tuple]:
    """SELECT `names` of the rows whose `key` is one of `values`, straight through the driver (the
    intake server asks this for every batch it takes). Values come back as the driver gives them:
    only for columns that need no conversion (ids, text)."""
    dialect = s.bind.dialect.name
    q = s.bind.dialect.identifier_preparer.quote
    if dialect == "sqlite":
        sql, value = f"{q(key)} IN (SELECT value FROM json_each(?))", json.dumps(values)
    else:
        sql, value = f"{q(key)} = ANY(%s)", list(values)
    found = s.connection().exec_driver_sql(f"SELECT {', '.join(map(q, names))} FROM {q(table.name)} WHERE {sql}", (value,))
    return [tuple(r) for r in found]


def among(s: Session, column, ids: list) -> ColumnElement[bool]:
    """`column IN ids` with the ids bound as one value, so the statement is the same whatever their
    number and is compiled once: an IN list of thousands was compiled anew for every batch."""
    if s.bind.dialect.name == "sqlite":
        return column.in_(select(literal_column("value")).select_from(func.json_each(bindparam(None, json.dumps(ids)))))
    return column == any_(bindparam(None, list(ids), type_=ARRAY(column.type)))


CHUNK = 500          # ids in one IN (...) list: well within every driver's parameter limit


def chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
