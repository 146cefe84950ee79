"""Contacts and events as data files describe them (SPEC section 4): CSV in, JSONL in."""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from switchback.runtime.clock import parse_given
from switchback.runtime.problems import InputError, parse_json, read_text

STANDARD = ("email", "first_name", "last_name", "phone", "company", "job_title", "country", "timezone",
            "lifecycle_stage", "owner", "score", "tags", "consent_email", "consent_sms")
CONSENT = ("subscribed", "unsubscribed", "unknown")
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")   # a leading zero (02139) is not a number
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")


@dataclass(slots=True)
class Event:
    contact: str          # the email, lower-cased
    type: str
    at: datetime
    properties: dict[str, Any] = field(default_factory=dict)


def identity(email: str) -> str:
    return email.strip().lower()


def _column_type(values: list[str]) -> str:
    present = [v for v in values if v != ""]
    if not present:
        return "text"
    if all(_NUMBER.match(v) for v in present):
        return "float" if any("." in v for v in present) else "int"
    if all(v.lower() in ("true", "false") for v in present):
        return "bool"
    if all(_is_date(v) for v in present):
        return "date"
    return "text"


def _is_date(v: str) -> bool:
    try:
        date.fromisoformat(v)
        return True
    except ValueError:
        return False


def _convert(value: str, kind: str) -> Any:
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return value.lower() == "true"
    if kind == "date":
        return date.fromisoformat(value)
    return value


def read_contacts_csv(path: str | Path) -> list[dict[str, Any]]:
    """Every contact of a CSV, fields typed by column as SPEC section 4 says. Raises InputError
    naming the file and line; nothing is returned unless the whole file reads."""
    path = Path(path)
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise InputError(str(path), f"cannot read: {e}") from None
    if not rows:
        raise InputError(str(path), "empty file: a header row with an email column is needed")
    header = [h.strip() for h in rows[0]]
    if "email" not in header:
        raise InputError(f"{path}:1", "the header has no email column")
    twice = sorted(h for h, count in Counter(header).items() if count > 1)
    if twice:
        raise InputError(f"{path}:1", f"the header names {', '.join(map(repr, twice))} more than once")
    body = rows[1:]
    for n, row in enumerate(body, start=2):
        if len(row) != len(header) and any(cell.strip() for cell in row):
            raise InputError(f"{path}:{n}", f"{len(row)} cells, but the header has {len(header)}")
    body = [r for r in body if any(c.strip() for c in r)]
    lines = [n for n, r in enumerate(rows[1:], start=2) if any(c.strip() for c in r)]
    custom = {h: _column_type([r[i].strip() for r in body]) for i, h in enumerate(header) if h not in STANDARD}
    contacts, seen = [], {}
    for line, row in zip(lines, body):
        fields: dict[str, Any] = {}
        for h, cell in zip(header, row):
            cell = cell.strip()
            if cell == "":
                continue
            try:
                fields[h] = _standard(h, cell) if h in STANDARD else _convert(cell, custom[h])
            except ValueError as e:
                raise InputError(f"{path}:{line}", f"{h}: {e}") from None
        email = fields.get("email", "")
        if not _EMAIL.match(email):
            raise InputError(f"{path}:{line}", f"{email or 'an empty cell'!r} is not an email address")
        key = identity(email)
        if key in seen:
            contacts[seen[key]].update(fields)
        else:
            seen[key] = len(contacts)
            contacts.append(fields)
    return contacts


def _standard(name: str, cell: str) -> Any:
    if name == "score":
        if not _NUMBER.match(cell) or "." in cell:
            raise ValueError(f"{cell!r} is not a whole number")
        return int(cell)
    if name == "tags":
        return [t.strip() for t in cell.split(";") if t.strip()]
    if name in ("consent_email", "consent_sms"):
        if cell.lower() not in CONSENT:
            raise ValueError(f"{cell!r} is not one of {', '.join(CONSENT)}")
        return cell.lower()
    if name == "timezone":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(cell)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{cell!r} is not an IANA time zone (such as Europe/Berlin)") from None
    return cell


def read_events_jsonl(path: str | Path) -> list[Event]:
    """Every event of a JSONL file, in file order. Raises InputError naming the file and line."""
    return list(parse_events(read_text(path).splitlines(), str(path)))


def parse_events(lines: list[str], place: str) -> Iterator[Event]:
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        obj = parse_json(line, place, line=n)
        if not isinstance(obj, dict):
            raise InputError(f"{place}:{n}", "an event must be a JSON object")
        for key in ("contact", "type", "at"):
            if not isinstance(obj.get(key), str) or not obj[key].strip():
                raise InputError(f"{place}:{n}", f"the event needs a string {key!r}")
        if not _EMAIL.match(obj["contact"].strip()):
            raise InputError(f"{place}:{n}", f"contact: {obj['contact']!r} is not an email address")
        props = obj.get("properties", {})
        if not isinstance(props, dict):
            raise InputError(f"{place}:{n}", "\"properties\" must be an object")
        try:
            at = parse_given(obj["at"])
        except ValueError as e:
            raise InputError(f"{place}:{n}", f"at: {e}") from None
        contact = identity(obj["contact"])
        if obj["type"] == "contact_updated":
            props = _updated_fields(props, contact, f"{place}:{n}")
        yield Event(contact=contact, type=obj["type"], at=at, properties=props)


def _updated_fields(props: dict[str, Any], contact: str, place: str) -> dict[str, Any]:
    """A `contact_updated` event's fields pass the checks a CSV cell passes (and are converted as
    one is), so an event cannot give a contact a value an import would refuse. Its email may only
    repeat the contact's own: identity is the address, and an event does not move it."""
    out = {}
    for name, value in props.items():
        if name == "email":
            if not isinstance(value, str) or identity(value) != contact:
                raise InputError(place, f"properties.email: {value!r} is not {contact}: an event cannot change "
                                 "a contact's address")
        elif name in STANDARD and value is not None:
            try:
                value = _standard_value(name, value)
            except ValueError as e:
                raise InputError(place, f"properties.{name}: {e}") from None
        out[name] = value
    return out


def _standard_value(name: str, value: Any) -> Any:
    if name == "tags":
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError(f"{value!r} is not a list of tags (such as [\"vip\", \"trial\"])")
        return value
    if name == "score" and isinstance(value, int) and not isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not {'a whole number' if name == 'score' else 'text'}")
    return _standard(name, value.strip())


def with_defaults(fields: dict[str, Any]) -> dict[str, Any]:
    """A new contact starts with a score of 0 and no tags."""
    out = {"score": 0, "tags": []}
    out.update(fields)
    return out


def jsonable(value: Any) -> Any:
    """A field value as JSON: dates as ISO text."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value
