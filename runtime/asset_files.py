"""A bundle's assets going into a workspace's assets folder (`<workspace>.assets/`) together with
the journeys' drafts: all of them or none. Each file is first written under a temporary folder
beside the assets folder (same disk, so putting it in place is a rename); then, inside the store's
transaction, each is renamed into place, any file it replaces kept aside; when anything fails,
before or at the commit, every file is put back as it was."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from switchback.runtime.bundle_paths import inside


def obstacles(folder: Path, names: list[str]) -> dict[str, str]:
    """Asset paths (each one asset_problem accepts) that cannot be written into `folder` as it is
    on disk, and why."""
    out: dict[str, str] = {}
    for name in names:
        rel = name.removeprefix("assets/")
        target = inside(folder, name)
        if target is None:
            out[name] = "would be written through a link that leads outside the workspace's assets folder"
            continue
        parts = rel.split("/")
        for i in range(1, len(parts)):
            part = folder.joinpath(*parts[:i])
            if part.is_symlink() or (part.exists() and not part.is_dir()):
                out[name] = f"cannot be written: {'/'.join(parts[:i])} is a file in the workspace's assets folder"
                break
        else:
            if target.is_dir():
                out[name] = "cannot be written: the workspace's assets folder has a folder of that name"
    return out


class Placement:
    """`with Placement(folder, assets) as p:` stages the files; `p.move_in()` puts them in place;
    leaving the block with an exception puts back what was there."""

    def __init__(self, folder: Path | None, assets: dict[str, bytes]):
        self.folder, self.assets = folder, assets if folder is not None else {}
        self.staging: Path | None = None
        self.moved: list[tuple[Path, Path | None]] = []      # (target, where the file it replaced was kept)
        self.created: list[Path] = []

    def __enter__(self) -> Placement:
        if not self.assets:
            return self
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.import-", dir=self.folder.parent))
        try:
            for name, data in self.assets.items():
                staged = self.staging / "new" / name.removeprefix("assets/")
                staged.parent.mkdir(parents=True, exist_ok=True)
                staged.write_bytes(data)
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise
        return self

    def move_in(self) -> None:
        for name in self.assets:
            rel = name.removeprefix("assets/")
            target = self.folder / rel
            self._mkdirs(target.parent)
            kept = None
            if target.is_symlink() or target.exists():
                kept = self.staging / "old" / rel
                kept.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, kept)
            self.moved.append((target, kept))
            os.replace(self.staging / "new" / rel, target)

    def _mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for d in reversed(missing):
            d.mkdir()
            self.created.append(d)

    def _undo(self) -> None:
        for target, kept in reversed(self.moved):
            if target.exists() or target.is_symlink():
                target.unlink()
            if kept is not None:
                os.replace(kept, target)
        for d in reversed(self.created):
            d.rmdir()

    def __exit__(self, kind, error, tb) -> None:
        try:
            if error is not None:
                self._undo()
        finally:
            if self.staging is not None:
                shutil.rmtree(self.staging, ignore_errors=True)
