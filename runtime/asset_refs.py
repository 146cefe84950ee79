"""The assets a journey refers to: every `assets/...` in any of its text (a template's HTML, a label,
a description, a key another tool left). An export packs these files, so each must be a plain path
inside the workspace's assets folder; validation refuses any other, naming the node."""
from __future__ import annotations

from typing import Any, Iterator

from switchback.runtime.bundle_paths import ASSET_REF, asset_problem
from switchback.runtime.document import Journey
from switchback.runtime.problems import Problem


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def references(journey: Journey) -> Iterator[tuple[str, str]]:
    """(where, path) for each asset reference: `where` is the node's id, or `journey` for the
    journey's own fields and its edges."""
    for node in journey.nodes:
        for text in _strings(node.to_dict()):
            if "assets" in text:
                yield from ((node.id, path) for path in ASSET_REF.findall(text))
    for text in _strings({**journey.to_dict(), "nodes": []}):
        if "assets" in text:
            yield from (("journey", path) for path in ASSET_REF.findall(text))


def problems(journey: Journey) -> list[Problem]:
    out = []
    for where, path in dict.fromkeys(references(journey)):
        why = asset_problem(path)
        if why:
            out.append(Problem(where, f"refers to {path}, which {why}: an asset must be a file inside assets/"))
    return out
