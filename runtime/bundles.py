"""Bundles (SPEC section 7): journeys, the assets their templates use and their connectors'
definitions — never a secret — in one zip that moves from one workspace to another.

Import is all or nothing: every problem (a file whose hash does not match, an unmapped connector,
a journey that does not validate) is found first, and the workspace is only touched when there is
none, in one transaction."""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from runtime import document, validation
from runtime.clock import iso
from runtime.document import Journey
from runtime.problems import InputError
from runtime.store import repository as repo
from runtime.store.models import ConnectorRow, JourneyRow, JourneyVersion
from runtime.store.workspace import Store

FORMAT = "switchback.bundle/1"
_ASSET = re.compile(r"assets/[A-Za-z0-9_./-]+")
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)          # zip entry times: two exports of the same journeys compare equal


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def connectors_of(journey: Journey) -> set[str]:
    return {n.config["connector"] for n in journey.nodes if isinstance(n.config.get("connector"), str)}


def _with_connectors(journey: Journey, mapping: dict[str, str]) -> Journey:
    copy = document.loads(journey.dumps())
    for n in copy.nodes:
        name = n.config.get("connector")
        if isinstance(name, str) and name in mapping:
            n.config["connector"] = mapping[name]
    return copy


def assets_dir(store: Store) -> Path | None:
    """A file workspace keeps its template assets beside it, in `<workspace>.assets/`."""
    if not store.is_sqlite:
        return None
    return Path(store.url.removeprefix("sqlite:///") + ".assets")


def export_bundle(store: Store, keys: list[str], out: str | Path, drafts: bool = False,
                  created: datetime | None = None) -> list[str]:
    """Write the bundle; returns warnings (a referenced connector the workspace does not have)."""
    out = Path(out)
    journeys: list[Journey] = []
    with store.session() as s:
        for key in keys:
            if drafts:
                row = s.get(JourneyRow, key)
                if row is None:
                    raise InputError(key, "no journey with this key in the workspace")
                journeys.append(document.loads(row.draft, key))
            else:
                row = s.scalars(select(JourneyVersion).where(JourneyVersion.key == key)
                                .order_by(JourneyVersion.version.desc()).limit(1)).first()
                if row is None:
                    raise InputError(key, "not published (publish it, or export drafts with --drafts)")
                journeys.append(document.loads(row.document, key))
        names = sorted(set().union(*(connectors_of(j) for j in journeys))) if journeys else []
        rows = {r.name: r for r in s.scalars(select(ConnectorRow).where(ConnectorRow.name.in_(names)))}
    warnings = [f"{name}: referenced by a journey but not a connector of this workspace; not in the bundle"
                for name in names if name not in rows]
    files: dict[str, bytes] = {}
    for j in journeys:
        files[f"journeys/{j.key}.journey.json"] = _json(j.to_dict())
    folder = assets_dir(store)
    for j in journeys:
        for path in sorted(set(_ASSET.findall(j.dumps()))):
            source = folder / path.removeprefix("assets/") if folder else None
            if source is not None and source.is_file():
                files[path] = source.read_bytes()
            else:
                warnings.append(f"{j.key}: uses {path}, which the workspace does not have")
    manifest = {
        "format": FORMAT, "name": out.name.removesuffix(".swbundle"),
        "created": iso(created or datetime.now(timezone.utc)),
        "journeys": [j.key for j in journeys],
        "connectors": [{"name": r.name, "kind": r.kind, "settings": r.settings} for r in (rows[n] for n in names if n in rows)],
        "files": {path: _sha(data) for path, data in sorted(files.items())},
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in [("bundle.json", _json(manifest)), *sorted(files.items())]:
            info = zipfile.ZipInfo(path, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    out.write_bytes(buffer.getvalue())
    return warnings


@dataclass
class ImportPlan:
    journeys: list[Journey] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    secrets_needed: list[str] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    updates: list[str] = field(default_factory=list)        # keys that arrive as a new draft of an existing journey


def read_bundle(path: str | Path) -> tuple[dict, dict[str, bytes]]:
    """The manifest and the files, checked against their hashes. Raises InputError (one line)."""
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            contents = {name: z.read(name) for name in names}
    except FileNotFoundError:
        raise InputError(str(path), "no such file") from None
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as e:
        raise InputError(str(path), f"not a readable bundle (truncated or not a zip: {e})") from None
    except Exception as e:                  # a corrupt member: zlib.error, CRC mismatch
        raise InputError(str(path), f"not a readable bundle ({type(e).__name__}: {e})") from None
    if "bundle.json" not in contents:
        raise InputError(str(path), "not a bundle: it has no bundle.json")
    try:
        manifest = json.loads(contents.pop("bundle.json"))
    except ValueError as e:
        raise InputError(f"{path}:bundle.json", f"not valid JSON: {e}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}:bundle.json", f"not a bundle: \"format\" must be \"{FORMAT}\"")
    listed = manifest.get("files") or {}
    for name, data in contents.items():
        if name not in listed:
            raise InputError(f"{path}:{name}", "is not listed in bundle.json")
        if _sha(data) != listed[name]:
            raise InputError(f"{path}:{name}", "does not match its hash in bundle.json (changed after export?)")
    for name in listed:
        if name not in contents:
            raise InputError(f"{path}:{name}", "is listed in bundle.json but missing from the bundle")
    return manifest, contents


def plan_import(store: Store, path: str | Path, mapping: dict[str, str],
                secrets_of=lambda kind: (), has_secret=lambda connector, key: True) -> ImportPlan:
    """Everything an import would do, and every reason it cannot; touches nothing. `secrets_of`
    names a connector kind's required secrets and `has_secret` says whether the keyring holds one
    (the caller knows connectors; runtime does not)."""
    manifest, contents = read_bundle(path)
    plan = ImportPlan()
    with store.session() as s:
        target = {r.name: r for r in s.scalars(select(ConnectorRow))}
        existing = set(s.scalars(select(JourneyRow.key)))
    for c in manifest.get("connectors", []):
        name, kind = c.get("name"), c.get("kind")
        chosen = mapping.get(name) or (name if name in target and target[name].kind == kind else None)
        if chosen is None:
            same = [t.name for t in target.values() if t.kind == kind]
            hint = f" (this workspace's {kind} connectors: {', '.join(same)})" if same else f" (this workspace has no {kind} connector)"
            plan.problems.append(f"{path}: connector {name} ({kind}) is not mapped; use --map {name}=TARGET{hint}")
            continue
        if chosen not in target:
            plan.problems.append(f"{path}: --map {name}={chosen}: this workspace has no connector {chosen}")
            continue
        if target[chosen].kind != kind:
            plan.problems.append(f"{path}: --map {name}={chosen}: {chosen} is a {target[chosen].kind} connector, not {kind}")
            continue
        plan.mapping[name] = chosen
        for secret in secrets_of(kind):
            if not has_secret(chosen, secret):
                plan.secrets_needed.append(f"{chosen}: enter its {secret} with "
                                           f"`switchback connector add {chosen} --kind {kind} --secret {secret}`")
    for unknown in set(mapping) - {c.get("name") for c in manifest.get("connectors", [])}:
        plan.problems.append(f"{path}: --map {unknown}=...: the bundle has no connector {unknown}")
    for key in manifest.get("journeys", []):
        name = f"journeys/{key}.journey.json"
        if name not in contents:
            plan.problems.append(f"{path}:{name}: missing from the bundle")
            continue
        try:
            journey = document.loads(contents[name].decode(), f"{path}:{name}")
        except InputError as e:
            plan.problems.append(str(e))
            continue
        journey = _with_connectors(journey, plan.mapping)
        plan.problems += [p.line(f"{path}:{name}") for p in validation.validate(journey)]
        plan.journeys.append(journey)
        if key in existing:
            plan.updates.append(key)
    plan.assets = {k: v for k, v in contents.items() if k.startswith("assets/")}
    return plan


def apply_import(store: Store, plan: ImportPlan, now: datetime | None = None) -> None:
    """Write a problem-free plan: drafts only, in one transaction; published versions untouched."""
    assert not plan.problems
    now = now or datetime.now(timezone.utc)
    with store.session() as s:
        for journey in plan.journeys:
            repo.save_draft(s, journey, now, by="bundle import")
    folder = assets_dir(store)
    if folder is not None:
        for name, data in plan.assets.items():
            target = folder / name.removeprefix("assets/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def published_count(store: Store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count(JourneyVersion.id))) or 0
