"""Design-time checks of a journey (SPEC sections 1-3): structure with networkx, configs with each
kind's pydantic model, conditions and templates with the sandbox."""
from __future__ import annotations

import re
from typing import Iterator

import networkx as nx
from pydantic import BaseModel, ValidationError

from switchback.nodes.fields import dict_values_role, role_of
from switchback.runtime import asset_refs, sandbox
from switchback.runtime.document import Journey
from switchback.runtime.limits import MAX_STEPS
from switchback.runtime.problems import Problem
from switchback.runtime.settings import Settings

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _pydantic_problems(where: str, error: ValidationError, prefix: str = "") -> list[Problem]:
    out = []
    for err in error.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "is not a setting of this kind (a typo?)" if prefix == "config." else "is not a known setting"
        elif err["type"] == "missing":
            msg = "is required"
        out.append(Problem(where, f"{prefix}{loc}: {msg}" if loc else f"{prefix}{msg}"))
    return out


def code_fields(model: BaseModel, path: str = "") -> Iterator[tuple[str, str, str]]:
    """Every condition and template in a parsed config: (path, role, code)."""
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        where = f"{path}{info.alias or name}"
        role = role_of(info)
        if role and isinstance(value, str):
            yield where, role, value
        elif isinstance(value, BaseModel):
            yield from code_fields(value, where + ".")
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from code_fields(item, f"{where}[{i}].")
        elif isinstance(value, dict) and (role := dict_values_role(info)):
            for k, v in value.items():
                if isinstance(v, str):
                    yield f"{where}.{k}", role, v


def _code_problems(where: str, model: BaseModel, prefix: str = "") -> list[Problem]:
    out = []
    for path, role, code in code_fields(model):
        problem = sandbox.check(code, role)
        if problem:
            out.append(Problem(where, f"{prefix}{path}: {role} {problem}"))
    return out


def validate(journey: Journey) -> list[Problem]:
    """Every problem with the journey, in a stable order: settings, nodes, edges, graph."""
    problems: list[Problem] = []
    if not KEY.match(journey.key):
        problems.append(Problem("journey", f"key {journey.key!r} is not a slug (lower-case letters, digits, - and _)"))
    problems += _settings_problems(journey)

    seen: set[str] = set()
    for node in journey.nodes:
        if node.id in seen:
            problems.append(Problem(node.id, "this node id is used twice"))
        seen.add(node.id)
        problems += _node_problems(journey, node)

    problems += _edge_problems(journey)
    problems += _graph_problems(journey)
    problems += asset_refs.problems(journey)
    return problems


def _settings_problems(journey: Journey) -> list[Problem]:
    try:
        settings = journey.settings
    except ValidationError as e:
        return [Problem(f"settings.{p.message.split(':')[0]}", p.message.split(": ", 1)[-1])
                for p in _pydantic_problems("settings", e)]
    out = [Problem(f"settings.{p.message.split(':')[0]}", p.message.split(": ", 1)[1])
           for p in _code_problems("settings", settings)]
    if journey.key in settings.suppresses:
        out.append(Problem("settings.suppresses", "a journey cannot suppress itself"))
    return out


def _node_problems(journey: Journey, node) -> list[Problem]:
    kind = node.declaration
    if kind is None:
        return [Problem(node.id, f"unknown node kind {node.kind!r}")]
    try:
        config = node.parsed()
    except ValidationError as e:
        return _pydantic_problems(node.id, e, prefix="config.")
    out = [Problem(node.id, f"config: {m}") for m in kind.checks(config)]
    out += _code_problems(node.id, config, prefix="config.")
    if journey.key in kind.enrolls_in(node.config):
        out.append(Problem(node.id, "a journey cannot enroll contacts in itself"))
    takes_out_of = kind.takes_out_of(node.config)
    if isinstance(takes_out_of, list) and journey.key in takes_out_of:
        out.append(Problem(node.id, "use an exit node to leave this journey"))
    return out


def _edge_problems(journey: Journey) -> list[Problem]:
    out = []
    index = journey.index
    used: dict[tuple[str, str], str] = {}
    for e in journey.edges:
        src, dst = index.get(e.source), index.get(e.target)
        if src is None:
            out.append(Problem(e.source, f"an edge leaves from unknown node {e.source!r}"))
            continue
        if dst is None:
            out.append(Problem(e.source, f"an edge goes to unknown node {e.target!r}"))
        elif dst.declaration is not None and dst.declaration.is_trigger:
            out.append(Problem(e.target, f"a trigger has no input, but an edge comes from {e.source!r}"))
        if src.declaration is None:
            continue
        ports = src.ports()
        if not ports and src.declaration.ends:
            out.append(Problem(src.id, "an exit node has no output"))
            continue
        if e.port is None:
            if len(ports) > 1:
                out.append(Problem(src.id, f"the edge to {e.target!r} must name a port ({', '.join(ports)})"))
                continue
            port = ports[0] if ports else "next"
        else:
            port = e.port
            if ports and port not in ports:
                out.append(Problem(src.id, f"unknown port {port!r} (this node has {', '.join(ports)})"))
                continue
        if (src.id, port) in used:
            out.append(Problem(src.id, f"port {port!r} has two edges (to {used[(src.id, port)]!r} and {e.target!r})"))
        used[(src.id, port)] = e.target
    return out


def graph(journey: Journey) -> nx.DiGraph:
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in journey.nodes)
    g.add_edges_from((e.source, e.target) for e in journey.edges
                     if e.source in g and e.target in g)
    return g


def _graph_problems(journey: Journey) -> list[Problem]:
    triggers = journey.triggers()
    if not triggers:
        return [Problem("journey", "the journey has no trigger")]
    g = graph(journey)
    reached: set[str] = set()
    for t in triggers:
        reached |= {t.id} | nx.descendants(g, t.id)
    out = [Problem(n.id, "no trigger reaches this node") for n in journey.nodes if n.id not in reached]
    waits = {n.id for n in journey.nodes if n.declaration is not None and n.declaration.is_wait}
    no_waits = g.subgraph(set(g) - waits)
    for component in nx.strongly_connected_components(no_waits):
        if len(component) > 1 or any(no_waits.has_edge(n, n) for n in component):
            loop = sorted(component)
            out.append(Problem(loop[0], f"a loop without a wait ({' -> '.join(loop)}) would run forever"))
    if not any("a loop without a wait" in p.message for p in out):
        out += _long_paths(g, waits)
    return out


def _long_paths(g: nx.DiGraph, waits: set[str]) -> list[Problem]:
    """A contact takes at most MAX_STEPS steps at once (the engine's guard against a runaway): a
    longer path without a wait would end every contact in `error` on the way, so it is refused here.
    A path is counted from a trigger or a wait (leaving a wait is a step) to the next wait."""
    steps = g.copy()
    steps.remove_edges_from([(a, b) for a, b in g.edges if b in waits])
    path = nx.dag_longest_path(steps)
    if len(path) <= MAX_STEPS:
        return []
    return [Problem(path[MAX_STEPS], f"{len(path)} steps in a row without a wait (from {path[0]!r}); a contact "
                                     f"takes at most {MAX_STEPS} at once: put a wait before this node")]


__all__ = ["validate", "graph", "code_fields", "Settings"]
