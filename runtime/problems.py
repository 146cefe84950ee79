"""Errors are values with a place until the edge of the program turns them into a line for a person."""
from __future__ import annotations

from dataclasses import dataclass


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
