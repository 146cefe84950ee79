"""What the bundle tests share: the command line in-process, the workspace's rows and the disk as
they are (to show a refusal changed nothing), and bundles built entry by entry as an attacker
would, each listed in bundle.json with its true hash."""
import hashlib
import io
import json
import sqlite3
import stat
import struct
import sys
import warnings
import zipfile
import zlib
from pathlib import Path

from switchback.app.cli import main

MB = 1 << 20


def sw(*args, stdin: str = "") -> int:
    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        return main([str(a) for a in args])
    finally:
        sys.stdin = old


def tables(path) -> dict:
    """Every row of every table: to show a failed import changed nothing."""
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("select name from sqlite_master where type='table' order by name")]
        return {n: sorted(map(repr, db.execute(f"select * from {n}"))) for n in names}


def tree(root: Path) -> dict[str, str]:
    """Every file, folder and link under `root` with its content's hash or its target; the
    workspace databases are left to `tables` (SQLite rewrites their pages without changing a row)."""
    out = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.name.endswith((".sqlite", ".sqlite-wal", ".sqlite-shm", ".sqlite-journal")):
            continue
        if p.is_symlink():
            out[rel] = "link -> " + str(p.readlink())
        elif p.is_dir():
            out[rel] = "folder"
        else:
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def journey(key: str = "evil1", html: str = "<p>Hello</p>", connector: str = "mail") -> dict:
    return {"format": "switchback.journey/1", "key": key, "name": key.title(),
            "nodes": [{"id": "start", "kind": "trigger.manual", "config": {}},
                      {"id": "mail", "kind": "action.email",
                       "config": {"connector": connector, "subject": "Hi", "body": "Hello", "html": html}}],
            "edges": [{"from": "start", "to": "mail"}]}


def manifest(entries: list[tuple[str, bytes]], journeys: list[str], **changes) -> bytes:
    files = {name: hashlib.sha256(data).hexdigest() for name, data in entries}
    return json.dumps({"format": "switchback.bundle/1", "name": "hostile", "created": "2026-12-04T00:00:00Z",
                       "journeys": journeys, "connectors": [], "files": files, **changes}).encode()


def write_bundle(path: Path, entries: list[tuple[str, bytes]], journeys=("evil1",), symlinks=(), **changes) -> Path:
    """A bundle holding `entries` as given (names untouched, duplicates kept, `symlinks` marked as
    links), bundle.json listing each with its hash; `changes` replace bundle.json's fields."""
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        warnings.simplefilter("ignore")                     # "Duplicate name": that is the point
        z.writestr("bundle.json", manifest(entries, list(journeys), **changes))
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            if name in symlinks:
                info.create_system = 3
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, data)
    return path


def journey_entry(key: str = "evil1", **kw) -> tuple[str, bytes]:
    return f"journeys/{key}.journey.json", json.dumps(journey(key, **kw)).encode()


def _zeros(size: int) -> tuple[bytes, int]:
    """Raw deflate of `size` zero bytes (a multiple of 1 MB) and their CRC, in a second: each
    fully flushed megabyte compresses to the same 1 KB, so the stream is one block repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(bytes(MB)) + c.flush(zlib.Z_FULL_FLUSH)
    crc, chunk = 0, bytes(MB)
    for _ in range(size // MB):
        crc = zlib.crc32(chunk, crc)
    return block * (size // MB) + c.flush(), crc


def write_raw_zip(path: Path, entries: list[tuple[str, bytes]], bombs: dict[str, tuple[int, int]]) -> Path:
    """A zip written byte by byte: `entries` deflated as any tool would, and for each name in
    `bombs` (size, declared): `size` bytes of zeros (whole megabytes) whose headers say `declared`."""
    out, central = bytearray(), bytearray()
    rows = [(name, zlib.compressobj(6, zlib.DEFLATED, -15), data) for name, data in entries]
    items = [(name, c.compress(data) + c.flush(), zlib.crc32(data), len(data)) for name, c, data in rows]
    for name, (size, declared) in bombs.items():
        stream, crc = _zeros(size)
        items.append((name, stream, crc, declared))
    for name, stream, crc, size in items:
        n, offset = name.encode(), len(out)
        out += struct.pack(zipfile.structFileHeader, zipfile.stringFileHeader, 20, 0, 0, zipfile.ZIP_DEFLATED,
                           0, 0x5021, crc, len(stream), size, len(n), 0) + n + stream
        central += struct.pack(zipfile.structCentralDir, zipfile.stringCentralDir, 20, 3, 20, 0, 0,
                               zipfile.ZIP_DEFLATED, 0, 0x5021, crc, len(stream), size, len(n), 0, 0, 0, 0,
                               0o100644 << 16, offset) + n
    end = struct.pack(zipfile.structEndArchive, zipfile.stringEndArchive, 0, 0, len(items), len(items),
                      len(central), len(out), 0)
    path.write_bytes(bytes(out + central + end))
    return path
