"""Bundles (SPEC section 7): journeys, the assets their templates use and their connectors'
definitions — never a secret — in one zip that moves from one workspace to another.

Import is all or nothing: every problem (an entry outside the rules of bundle_paths or over the
limits of bundle_zip, a file whose hash does not match, an unmapped connector, a journey that does
not validate, an asset that cannot be written) is found first, and the workspace is only touched
when there is none: the drafts in one transaction, the assets placed inside it (asset_files).
Export reads nothing outside the workspace's assets folder."""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from switchback.nodes.urls import query_secrets
from switchback.runtime import asset_files, asset_refs, bundle_paths, bundle_zip, document, validation
from switchback.runtime.bundle_paths import MANIFEST
from switchback.runtime.bundle_zip import FORMAT, BundleRefused, read_bundle, sha
from switchback.runtime.clock import iso
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.store import repository as repo
from switchback.runtime.store.models import ConnectorRow, JourneyRow, JourneyVersion
from switchback.runtime.store.workspace import Store

_FIXED_TIME = (2020, 1, 1, 0, 0, 0)          # zip entry times: two exports of the same journeys compare equal


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


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


def _assets(store: Store, journeys: list[Journey], warnings: list[str]) -> dict[str, bytes]:
    """The files the journeys refer to, read only from inside the workspace's assets folder: a
    reference that leaves it, by its text or through a link, refuses the whole export."""
    folder = assets_dir(store)
    files: dict[str, bytes] = {}
    for j in journeys:
        bad = asset_refs.problems(j)
        if bad:
            raise BundleRefused(f"{j.key}:{bad[0].where}", f"{bad[0].message}; nothing was exported")
        refs: dict[str, str] = {}
        for where, path in asset_refs.references(j):
            refs.setdefault(path, where)
        for path in sorted(refs):
            source = bundle_paths.inside(folder, path) if folder else None
            if folder and source is None:
                raise BundleRefused(f"{j.key}:{refs[path]}", f"refers to {path}, a link that leads outside the "
                                    "workspace's assets folder; nothing was exported")
            if path in files:
                continue
            if source is None or not source.is_file():
                warnings.append(f"{j.key}: uses {path}, which the workspace does not have")
                continue
            if source.stat().st_size > bundle_zip.MAX_ENTRY_BYTES:
                raise BundleRefused(f"{j.key}:{refs[path]}", f"{path} is {bundle_zip.mb(source.stat().st_size)}; "
                                    f"a bundle entry may be at most {bundle_zip.mb(bundle_zip.MAX_ENTRY_BYTES)}")
            try:
                files[path] = source.read_bytes()
            except OSError as e:
                raise InputError(str(source), f"cannot read: {e.strerror or e}") from None
    clash = next(iter(bundle_paths.collisions(sorted(files)).items()), None)
    if clash:
        raise BundleRefused(clash[0], f"{clash[1]}; nothing was exported")
    return files


def _write(out: Path, files: dict[str, bytes]) -> None:
    """The zip, in a temporary file beside `out` renamed over it: never half a bundle."""
    if len(files) > bundle_zip.MAX_ENTRIES or sum(map(len, files.values())) > bundle_zip.MAX_TOTAL_BYTES:
        raise BundleRefused(str(out), f"would hold more than {bundle_zip.MAX_ENTRIES:,} entries or "
                            f"{bundle_zip.mb(bundle_zip.MAX_TOTAL_BYTES)}, more than a bundle may; export fewer journeys")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path, data in files.items():
            info = zipfile.ZipInfo(path, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    temp = None
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        with os.fdopen(fd, "wb") as f:
            f.write(buffer.getvalue())
        os.replace(temp, out)
    except OSError as e:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)
        raise InputError(str(out), f"cannot write: {e.strerror or e}") from None


def export_bundle(store: Store, keys: list[str], out: str | Path, drafts: bool = False,
                  created: datetime | None = None) -> list[str]:
    """Write the bundle; returns warnings (a referenced connector or asset the workspace does not have)."""
    out = Path(out)
    journeys: list[Journey] = []
    with store.session() as s:
        for key in dict.fromkeys(keys):
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
    shared = {}
    for name, row in rows.items():
        shared[name], kept_out = _shareable(row.settings)
        warnings += [f"{name}: its {key} carries a secret in its query; left out of the bundle (a connector "
                     "keeps such a URL in its secret_url secret)" for key in kept_out]
    files: dict[str, bytes] = {f"journeys/{j.key}.journey.json": _json(j.to_dict()) for j in journeys}
    files.update(_assets(store, journeys, warnings))
    manifest = {
        "format": FORMAT, "name": out.name.removesuffix(".swbundle"),
        "created": iso(created or datetime.now(timezone.utc)),
        "journeys": [j.key for j in journeys],
        "connectors": [{"name": r.name, "kind": r.kind, "settings": shared[r.name]} for r in (rows[n] for n in names if n in rows)],
        "files": {path: sha(data) for path, data in sorted(files.items())},
    }
    _write(out, {MANIFEST: _json(manifest), **dict(sorted(files.items()))})
    return warnings


def _shareable(settings: dict) -> tuple[dict, list[str]]:
    """A connector's settings without any URL that carries a credential in its query (a workspace
    may hold one from before such URLs were refused): a bundle never carries a secret."""
    kept_out = [k for k, v in settings.items() if isinstance(v, str) and "://" in v and query_secrets(v)]
    return {k: v for k, v in settings.items() if k not in kept_out}, kept_out


@dataclass
class ImportPlan:
    journeys: list[Journey] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    secrets_needed: list[str] = field(default_factory=list)
    assets: dict[str, bytes] = field(default_factory=dict)
    updates: list[str] = field(default_factory=list)        # keys that arrive as a new draft of an existing journey


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
    for c in manifest["connectors"]:
        name, kind = c["name"], c["kind"]
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
                plan.secrets_needed.append(f"{chosen}: enter its {secret} under Workspace › Connectors… or with "
                                           f"`switchback connector add {chosen} --kind {kind} --secret {secret}`")
    for unknown in set(mapping) - {c["name"] for c in manifest["connectors"]}:
        plan.problems.append(f"{path}: --map {unknown}=...: the bundle has no connector {unknown}")
    for key in manifest["journeys"]:
        name = f"journeys/{key}.journey.json"
        if name not in contents:
            plan.problems.append(f"{path}:{name}: missing from the bundle")
            continue
        try:
            journey = document.loads(contents[name].decode(), f"{path}:{name}")
        except UnicodeDecodeError as e:
            plan.problems.append(f"{path}:{name}: not UTF-8 text ({e.reason} at byte {e.start})")
            continue
        except InputError as e:
            plan.problems.append(str(e))
            continue
        if journey.key != key:
            # Its key is what a draft is saved under: it must be the one the manifest announces.
            plan.problems.append(f"{path}:{name}: holds journey {journey.key!r}, not {key!r} as its name and bundle.json say")
            continue
        journey = _with_connectors(journey, plan.mapping)
        plan.problems += [p.line(f"{path}:{name}") for p in validation.validate(journey)]
        plan.journeys.append(journey)
        if key in existing:
            plan.updates.append(key)
    plan.assets = {k: v for k, v in contents.items() if k.startswith("assets/")}
    folder = assets_dir(store)
    clashes = asset_files.obstacles(folder, sorted(plan.assets)) if folder is not None else {}
    clashes.update(bundle_paths.collisions(sorted(plan.assets)))
    plan.problems += [f"{path}:{name}: {why}" for name, why in sorted(clashes.items())]
    return plan


def apply_import(store: Store, plan: ImportPlan, now: datetime | None = None) -> None:
    """Write a problem-free plan: drafts only, published versions untouched; the drafts and the
    assets together or not at all."""
    assert not plan.problems
    now = now or datetime.now(timezone.utc)
    folder = assets_dir(store)
    try:
        with asset_files.Placement(folder, plan.assets) as placement:
            with store.session() as s:
                placement.move_in()
                for journey in plan.journeys:
                    repo.save_draft(s, journey, now, by="bundle import")
    except OSError as e:
        raise InputError(str(folder), f"cannot write the bundle's assets ({e.strerror or e}); nothing was imported") from None
    except SQLAlchemyError as e:
        raise InputError(store.url.removeprefix("sqlite:///"), "cannot save the drafts ("
                         + " ".join(str(getattr(e, "orig", e)).split()) + "); nothing was imported") from None

