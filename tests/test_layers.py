"""The layers of DESIGN.md, read from every module's imports: nodes -> runtime -> canvas/connectors
-> app, no import up a layer, Qt only in canvas/ and app/, the store never in canvas/, and no two
modules that import each other (directly or round a longer circle). Everything of ours is imported as
switchback.*: a bare `import runtime` would pick up any other package of that name on the path.
And a node kind is whole in nodes/: no module outside it names a kind or tests a kind prefix
(`"trigger.email"`, `startswith("trigger.")`); it asks the kind's declaration instead."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import networkx as nx

from switchback import nodes

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("nodes", "runtime", "connectors", "canvas", "app", "resources")
SCRIPTS = ("bench", "packaging")            # folders of scripts that import their siblings by bare name
SCANNED = PACKAGES + SCRIPTS
# What each layer may import of ours; anything of ours not listed runs up (or across) a layer.
# resources/ is package data (icons, templates, the report's page) that any layer may read.
ALLOWED = {
    "nodes": {"nodes", "resources"},
    "runtime": {"nodes", "runtime", "resources"},
    "connectors": {"nodes", "runtime", "connectors", "resources"},
    "canvas": {"nodes", "runtime", "canvas", "resources"},
    "app": set(PACKAGES),
    "resources": set(),
    "bench": set(PACKAGES) | {"bench"},
    "packaging": set(PACKAGES) | {"packaging"},
}
QT = ("PySide6", "shiboken6")
QT_ALLOWED = {"canvas", "app", *SCRIPTS}
# The modules that hold the store's tables: app/ asks runtime's services instead of reading rows.
STORE_ROWS = {"runtime.store.models", "runtime.store.tables",
              *(f"runtime.store.{p.stem}" for p in (ROOT / "runtime" / "store").glob("*_models.py"))}
KIND_NAMES = {k.name for k in nodes.kinds()}
KIND_PREFIXES = {name.split(".")[0] + "." for name in KIND_NAMES if "." in name}


def _kind_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every string literal that is a kind's name or a kind prefix such as `trigger.`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in KIND_NAMES:
                found.append((node.lineno, f"names the node kind {node.value!r}"))
            elif node.value in KIND_PREFIXES:
                found.append((node.lineno, f"tests the kind prefix {node.value!r}"))
    return found
# The store keeps plain rows and values; what the engine makes of them is built above it.
ENGINE_TYPES = ("runtime.engine", "runtime.published", "runtime.settings")


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str, list[str]]]:
    """(line, imported module, names) for every import in the file, in functions too."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name, []) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = module.split(".") if is_package else module.split(".")[:-1]
                anchor = anchor[:len(anchor) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.append((node.lineno, base, [a.name for a in node.names]))
    return found


def check(root: Path) -> list[str]:
    """Every breach of the layers under `root`, one line each (`path:line: what`)."""
    modules: dict[str, Path] = {}
    for top in SCANNED:
        for path in sorted((root / top).rglob("*.py")) if (root / top).is_dir() else []:
            if "migrations" in path.parts and "versions" in path.parts:
                continue
            modules[_module_name(root, path)] = path
    siblings = {m.split(".")[1]: m.split(".")[0] for m in modules if m.split(".")[0] in SCRIPTS}
    problems: list[str] = []
    graph = nx.DiGraph()
    for module, path in modules.items():
        layer = module.split(".")[0]
        where = path.relative_to(root)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        if layer != "nodes":
            problems += [f"{where}:{line}: {what}; ask the kind's declaration in nodes/"
                         for line, what in _kind_literals(tree)]
        for line, target, names in _imports(tree, module, path.name == "__init__.py"):
            if layer in SCRIPTS and siblings.get(target.split(".")[0]) == layer:
                target = f"{layer}.{target}"        # a script imports its siblings by name
            if target.split(".")[0] in PACKAGES:
                problems.append(f"{where}:{line}: imports {target} by its bare name, not as switchback.{target}")
            target = target.removeprefix("switchback.")
            top = target.split(".")[0]
            if top in QT and layer not in QT_ALLOWED:
                problems.append(f"{where}:{line}: Qt ({target}) imported below canvas/")
            if top not in SCANNED:
                continue
            if top not in ALLOWED[layer]:
                problems.append(f"{where}:{line}: {layer}/ imports {target}, which runs up a layer")
            if layer == "canvas" and (target + ".").startswith("runtime.store."):
                problems.append(f"{where}:{line}: canvas/ touches the store ({target})")
            if layer == "app" and target in STORE_ROWS:
                problems.append(f"{where}:{line}: app/ reads store rows ({target}); call a runtime service")
            if module.startswith("runtime.store.") and target.startswith(ENGINE_TYPES):
                problems.append(f"{where}:{line}: the store imports the engine's types ({target})")
            # `from pkg import sub` names a module when sub is one; else it names pkg itself.
            targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules] or [target]
            for t in targets:
                if t in modules and t != module:
                    graph.add_edge(module, t)
    for cycle in nx.simple_cycles(graph):
        # A package's __init__ and its submodules importing each other is how Python packages work.
        if all(m == cycle[0] or m.startswith(cycle[0] + ".") or cycle[0].startswith(m + ".") for m in cycle):
            continue
        problems.append("import circle: " + " -> ".join(cycle + cycle[:1]))
    return sorted(problems)


def test_the_layers_hold():
    assert check(ROOT) == []


def test_a_planted_import_up_a_layer_is_caught(tmp_path):
    for top in SCANNED:
        if (ROOT / top).is_dir():
            shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "runtime" / "planted.py").write_text("from switchback.app import cli\nimport PySide6.QtCore\n")
    (tmp_path / "canvas" / "planted.py").write_text("def f():\n    from switchback.runtime.store import models\n")
    (tmp_path / "nodes" / "planted_a.py").write_text("from switchback.nodes import planted_b\nimport runtime\n")
    (tmp_path / "nodes" / "planted_b.py").write_text("from switchback.nodes import planted_a\n")
    (tmp_path / "app" / "planted.py").write_text("from switchback.runtime.store.models import ConnectorRow\n")
    (tmp_path / "runtime" / "store" / "planted.py").write_text("from switchback.runtime.engine import WorkspaceRules\n")
    problems = check(tmp_path)
    assert "runtime/planted.py:1: runtime/ imports app, which runs up a layer" in problems
    assert "runtime/planted.py:2: Qt (PySide6.QtCore) imported below canvas/" in problems
    assert "canvas/planted.py:2: canvas/ touches the store (runtime.store)" in problems
    assert "nodes/planted_a.py:2: imports runtime by its bare name, not as switchback.runtime" in problems
    assert "app/planted.py:1: app/ reads store rows (runtime.store.models); call a runtime service" in problems
    assert "runtime/store/planted.py:1: the store imports the engine's types (runtime.engine)" in problems
    assert any(p.startswith("import circle:") and "nodes.planted_a" in p for p in problems)


def test_a_planted_kind_name_or_prefix_outside_nodes_is_caught(tmp_path):
    for top in SCANNED:
        if (ROOT / top).is_dir():
            shutil.copytree(ROOT / top, tmp_path / top, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "runtime" / "planted.py").write_text(
        "def starts(node):\n"
        "    return node.kind.startswith('trigger.')\n"
        "def mails(node):\n"
        "    return node.kind == 'action.email'\n")
    (tmp_path / "nodes" / "planted.py").write_text("NAME = 'action.email'\n")     # nodes/ may name its own
    problems = check(tmp_path)
    assert problems == [
        "runtime/planted.py:2: tests the kind prefix 'trigger.'; ask the kind's declaration in nodes/",
        "runtime/planted.py:4: names the node kind 'action.email'; ask the kind's declaration in nodes/",
    ]
