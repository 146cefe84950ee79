"""Reading a bundle someone else made (SPEC section 7). Everything is checked before anything is
kept: the entry names (bundle_paths), the sizes the zip directory declares, then each entry read
in chunks, never past its declared size — a 3 GB entry packed into 3 MB is refused before one
byte of it is inflated, and a directory that understates a size is caught at the entry's CRC."""
from __future__ import annotations

import hashlib
import json
import stat
import struct
import zipfile
from pathlib import Path

from switchback.runtime.bundle_paths import MANIFEST, entry_problem, journey_key
from switchback.runtime.problems import InputError

FORMAT = "switchback.bundle/1"
# Far above what a bundle of journeys and their images needs, far below what hurts a laptop.
MAX_ENTRIES = 2_000
MAX_ENTRY_BYTES = 20 * 1024 * 1024
MAX_TOTAL_BYTES = 100 * 1024 * 1024
MAX_DIRECTORY_BYTES = 1024 * 1024          # 2,000 entries with names of up to ~450 characters
_CHUNK = 64 * 1024
_END = struct.Struct("<4s4H2LH")           # the zip's end record: where its directory is and how big


class BundleRefused(InputError):
    """A bundle (or an export) that breaks section 7's rules: a problem found, exit 1. A file that
    cannot be read as a bundle at all stays a plain InputError (exit 2)."""


def mb(size: int) -> str:
    return f"{size / (1024 * 1024):,.1f} MB"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _directory_size(path: Path) -> int | None:
    """The size the zip's end record gives its directory, found as zipfile finds it (right at the
    end, else the last signature in the 64 KB a comment may take); None when there is none."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        f.seek(max(0, f.tell() - _END.size - 0xFFFF))
        tail = f.read()
    at = len(tail) - _END.size
    if tail[at:at + 4] != b"PK\x05\x06" or tail[-2:] != b"\0\0":
        at = tail.rfind(b"PK\x05\x06")
    return _END.unpack_from(tail, at)[5] if 0 <= at <= len(tail) - _END.size else None


def _entries(path: Path, z: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = z.infolist()
    if len(infos) > MAX_ENTRIES:
        raise BundleRefused(str(path), f"has {len(infos):,} entries; a bundle may hold at most {MAX_ENTRIES:,}")
    seen: set[str] = set()
    total = 0
    for info in infos:
        where = f"{path}:{info.filename}"
        if info.filename in seen:
            raise BundleRefused(where, "is in the bundle twice (which copy counts would depend on the tool)")
        seen.add(info.filename)
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise BundleRefused(where, "is a symbolic link; a bundle holds only files")
        if info.is_dir() or kind not in (0, stat.S_IFREG):
            raise BundleRefused(where, "is not a file; a bundle holds only files")
        problem = entry_problem(info.filename)
        if problem:
            raise BundleRefused(where, problem)
        if info.file_size > MAX_ENTRY_BYTES:
            raise BundleRefused(where, f"is {mb(info.file_size)} uncompressed; an entry may be at most {mb(MAX_ENTRY_BYTES)}")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise BundleRefused(str(path), f"holds more than {mb(MAX_TOTAL_BYTES)} uncompressed; a bundle may hold at most that")
    return infos


def _read(path: Path, z: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The entry's bytes, never more than the directory declared (so never more than the limits
    the directory was held to)."""
    chunks, size = [], 0
    try:
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                size += len(chunk)
                if size > info.file_size:
                    raise BundleRefused(f"{path}:{info.filename}", "holds more than the zip directory says")
                chunks.append(chunk)
    except BundleRefused:
        raise
    except Exception as e:                  # a damaged or encrypted member: BadZipFile (CRC), zlib.error, RuntimeError
        raise BundleRefused(f"{path}:{info.filename}", f"is damaged ({type(e).__name__}: {e})") from None
    return b"".join(chunks)


def _manifest(path: Path, data: bytes) -> dict:
    place = f"{path}:{MANIFEST}"
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as e:
        raise InputError(place, f"not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(place, f"not a bundle: \"format\" must be \"{FORMAT}\"")
    journeys = manifest.setdefault("journeys", [])
    if not isinstance(journeys, list) or not all(isinstance(k, str) and journey_key(f"journeys/{k}.journey.json")
                                                 for k in journeys):
        raise BundleRefused(place, "\"journeys\" must be a list of journey keys")
    if len(set(journeys)) != len(journeys):
        raise BundleRefused(place, "\"journeys\" names a journey twice")
    connectors = manifest.setdefault("connectors", [])
    if not isinstance(connectors, list) or not all(
            isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("kind"), str)
            and isinstance(c.setdefault("settings", {}), dict) for c in connectors):
        raise BundleRefused(place, "\"connectors\" must be a list of {\"name\", \"kind\", \"settings\"}")
    files = manifest.setdefault("files", {})
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise BundleRefused(place, "\"files\" must map each path to its SHA-256")
    return manifest


def read_bundle(path: str | Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the files, checked against the path rules, the limits and their hashes.
    Raises BundleRefused or InputError (one line, naming the bundle and the entry)."""
    path = Path(path)
    try:
        # zipfile reads the whole directory into memory before anything can be counted: 100,000
        # entries take 55 MB. Its size is in the end record.
        if (_directory_size(path) or 0) > MAX_DIRECTORY_BYTES:
            raise BundleRefused(str(path), f"has more entries than a bundle may hold ({MAX_ENTRIES:,})")
        z = zipfile.ZipFile(path)
    except BundleRefused:
        raise
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except Exception as e:                  # BadZipFile, EOFError, OSError: truncated, not a zip, a folder
        raise InputError(str(path), f"not a readable bundle (truncated or not a zip: {e})") from None
    with z:
        infos = {i.filename: i for i in _entries(path, z)}
        if MANIFEST not in infos:
            raise InputError(str(path), "not a bundle: it has no bundle.json")
        manifest = _manifest(path, _read(path, z, infos.pop(MANIFEST)))
        listed = manifest["files"]
        for name in listed:
            problem = "is bundle.json itself" if name == MANIFEST else entry_problem(name)
            if problem:
                raise BundleRefused(f"{path}:{name}", f"in bundle.json's files {problem}")
            if name not in infos:
                raise BundleRefused(f"{path}:{name}", "is listed in bundle.json but missing from the bundle")
        contents = {}
        for name, info in infos.items():
            if name not in listed:
                raise BundleRefused(f"{path}:{name}", "is not listed in bundle.json")
            key = journey_key(name)
            if key is not None and key not in manifest["journeys"]:
                raise BundleRefused(f"{path}:{name}", "is not one of bundle.json's journeys")
            contents[name] = _read(path, z, info)
            if sha(contents[name]) != listed[name]:
                raise BundleRefused(f"{path}:{name}", "does not match its hash in bundle.json (changed after export?)")
    return manifest, contents
