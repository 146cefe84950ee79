"""Errors are values with a place until the edge of the program turns them into a line for a person."""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any


# A line that asks for a connector or secret names the designer's place first and the command after
# ("... under Workspace › Connectors… or with `switchback connector add ...`"); a window shows the place.
_COMMAND = re.compile(r",? or (with )?`switchback [^`]*`( or --secret \w+)?| \(`?switchback [^)]*\)")


def without_command(text: str) -> str:
    """The line as the designer shows it: without the command that does the same in a terminal."""
    return _COMMAND.sub("", text)


@dataclass(frozen=True, slots=True)
class Problem:
    """A validation problem. `where` is a node id, `settings.<name>`, or `journey` for the whole."""
    where: str
    message: str

    def line(self, file: str) -> str:
        return f"{file}:{self.where}: {self.message}"


class InputError(Exception):
    """Bad input that stops a command: a missing file, a malformed line, a file that is not a journey.
    `place` is `file` or `file:line`; str() is the one line a person reads."""

    def __init__(self, place: str, message: str):
        super().__init__(f"{place}: {message}")
        self.place = place
        self.message = message


class InvalidJourneys(InputError):
    """Journeys given to run that do not validate: one line per problem, `FILE:PLACE: message`."""

    def __init__(self, lines: list[str]):
        Exception.__init__(self, "\n".join(lines))
        self.place, self.message = lines[0].split(":", 1)[0], lines[0]
        self.lines = lines


def read_text(path, encoding: str = "utf-8") -> str:
    """A file's text, or an InputError naming it: the one place input files are opened."""
    from pathlib import Path
    path = Path(path)
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(str(path), f"cannot read: {e}") from None


MAX_DEPTH = 64          # arrays and objects inside each other; journeys and events need a handful


def parse_json(text: str, place: str, line: int | None = None) -> Any:
    """JSON from a file a person gave, or an InputError naming the place: not only malformed text
    but what Python's parser lets through or dies on — nesting deeper than MAX_DEPTH (past about a
    thousand levels it raises RecursionError), integers longer than 4,300 digits, numbers past the
    largest float (1e400) or not numbers at all (NaN, Infinity), and lone UTF-16 surrogates (`\\ud800`), which no file or database can store. `line`: the text is that line of
    the file `place` (JSONL), and every error names it."""
    if line is not None:
        place = f"{place}:{line}"
    try:
        data = json.loads(text, parse_float=_finite, parse_constant=_not_a_number)
    except _NotFinite as e:
        raise InputError(place, f"{e} is not a number Switchback can count with") from None
    except json.JSONDecodeError as e:
        raise InputError(place if line else f"{place}:{e.lineno}", f"not valid JSON: {e.msg}") from None
    except RecursionError:
        raise InputError(place, f"arrays or objects nested more than {MAX_DEPTH} deep") from None
    except ValueError:                        # an integer of more than 4,300 digits (sys.int_info)
        raise InputError(place, "a number with more than 4,300 digits") from None
    _check_shape(data, place)
    return data


class _NotFinite(ValueError):
    pass


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):                                # 1e400: past the largest float
        raise _NotFinite(text)
    return value


def _not_a_number(text: str) -> float:
    raise _NotFinite(text)                               # NaN, Infinity: Python's JSON takes them, JSON does not


def _check_shape(data: Any, place: str) -> None:
    # One pass without recursion: how deep containers go, and text that cannot be written as UTF-8.
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                _encodable(value, place)
            continue
        if not isinstance(value, (dict, list)):
            continue
        if depth > MAX_DEPTH:
            raise InputError(place, f"arrays or objects nested more than {MAX_DEPTH} deep")
        if isinstance(value, dict):
            for k in value:
                if not k.isascii():
                    _encodable(k, place)
            value = value.values()
        stack.extend((v, depth + 1) for v in value)


def _encodable(text: str, place: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(place, f"{text[:40]!r} holds a lone surrogate, which is not Unicode text") from None
