"""The path rules of a bundle (SPEC section 7). A bundle comes from someone else, and a journey may
have come in one: every path in it, and every asset a journey refers to, must already be a plain
relative path inside `assets/` — nothing is normalised into shape, so nothing can be tricked into
one. What passes here can be joined to a folder without leaving it; `inside` checks the disk too."""
from __future__ import annotations

import re
from pathlib import Path

# An asset reference in a journey's text. Backslashes count as part of it, so `assets\..\x` and
# `assets/..\x` are seen (and refused) rather than skipped.
ASSET_REF = re.compile(r"assets[/\\][A-Za-z0-9_./\\-]+")
_SEGMENT = re.compile(r"[A-Za-z0-9_.-]+")
_JOURNEY_ENTRY = re.compile(r"journeys/([a-z0-9][a-z0-9_-]*)\.journey\.json")
MANIFEST = "bundle.json"


def asset_problem(path: str) -> str | None:
    """Why `path` is not a plain relative path inside assets/, or None when it is."""
    if "\\" in path:
        return "has a backslash (bundle paths use /)"
    if ":" in path:
        return "has a drive letter or a colon"
    if not path.startswith("assets/"):
        return "is not inside assets/"
    parts = path.removeprefix("assets/").split("/")
    if "" in parts:
        return "is an absolute path or has an empty part (//)"
    if ".." in parts:
        return "leaves assets/ (..)"
    if "." in parts:
        return "has a . part"
    if not all(_SEGMENT.fullmatch(p) for p in parts):
        return "has characters other than letters, digits, _ . - and /"
    return None


def journey_key(entry: str) -> str | None:
    """The key of a `journeys/KEY.journey.json` entry, or None when the name is not one."""
    m = _JOURNEY_ENTRY.fullmatch(entry)
    return m.group(1) if m else None


def entry_problem(name: str) -> str | None:
    """Why a bundle entry (a zip name or a bundle.json `files` key) may not be in a bundle."""
    if name == MANIFEST or journey_key(name):
        return None
    if name.startswith("assets/") or "\\" in name:
        return asset_problem(name)
    return "is not a bundle entry (a bundle holds bundle.json, journeys/KEY.journey.json and assets/...)"


def collisions(names: list[str]) -> dict[str, str]:
    """Asset paths that would land on one another: a file that is also another's folder
    (`a.txt` and `a.txt/b.txt`), or two names that differ only in case (one file on Windows and
    macOS). Maps each such path to why."""
    out: dict[str, str] = {}
    files = {n.casefold(): n for n in names}
    seen: dict[str, str] = {}
    for n in names:
        other = seen.setdefault(n.casefold(), n)
        if other != n:
            out[n] = f"differs from {other} only in case (the same file on Windows and macOS)"
        parts = n.split("/")
        for i in range(2, len(parts)):
            folder = "/".join(parts[:i]).casefold()
            if folder in files:
                out[n] = f"needs {files[folder]} to be a folder, but the bundle has it as a file"
    return out


def inside(folder: Path, path: str) -> Path | None:
    """`folder`/path (a path asset_problem accepts) when it stays inside `folder` on disk with
    every link on the way followed; None when one leads out."""
    target = folder / path.removeprefix("assets/")
    return target if target.resolve().is_relative_to(folder.resolve()) else None
