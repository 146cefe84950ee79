"""Auto-layout: layered, top to bottom, few crossings (networkx for the graph work).

Layers come from the longest path from the triggers once back edges (loops through waits) are set
aside; order within a layer by repeated barycentre sweeps, the usual Sugiyama heuristic."""
from __future__ import annotations

import networkx as nx

from switchback.canvas.items import CARD_H, CARD_W
from switchback.runtime.document import Journey

H_GAP, V_GAP = 60.0, 90.0


def layout(journey: Journey) -> dict[str, list[float]]:
    """New positions for every node, keyed by id."""
    g = nx.DiGraph()
    g.add_nodes_from(n.id for n in journey.nodes)
    order = {n.id: i for i, n in enumerate(journey.nodes)}
    port_rank = {}
    for e in journey.edges:
        if e.source in g and e.target in g and e.source != e.target:
            g.add_edge(e.source, e.target)
            ports = journey.node(e.source).ports()
            port_rank[(e.source, e.target)] = ports.index(e.port) if e.port in ports else 0
    dag = g.copy()
    roots = [n.id for n in journey.triggers()] or [n.id for n in journey.nodes[:1]]
    for u, v in _back_edges(g, roots):
        dag.remove_edge(u, v)
    layer: dict[str, int] = {}
    for node in nx.topological_sort(dag):
        preds = list(dag.predecessors(node))
        layer[node] = max((layer[p] + 1 for p in preds), default=0)
    layers: dict[int, list[str]] = {}
    for node, i in layer.items():
        layers.setdefault(i, []).append(node)
    for nodes in layers.values():
        nodes.sort(key=order.get)
    position = {n: float(i) for nodes in layers.values() for i, n in enumerate(nodes)}
    for _ in range(4):                                  # down, then up, sweeps
        for i in sorted(layers)[1:]:
            _sort_by(layers[i], position, lambda n: [(position[p], port_rank.get((p, n), 0)) for p in dag.predecessors(n)])
        for i in sorted(layers, reverse=True)[1:]:
            _sort_by(layers[i], position, lambda n: [(position[s], 0) for s in dag.successors(n)])
    widest = max((len(v) for v in layers.values()), default=1)
    out = {}
    for i, nodes in layers.items():
        offset = (widest - len(nodes)) * (CARD_W + H_GAP) / 2
        for j, n in enumerate(nodes):
            out[n] = [round(offset + j * (CARD_W + H_GAP)), round(i * (CARD_H + V_GAP))]
    return out


def _sort_by(nodes: list[str], position: dict[str, float], neighbours) -> None:
    def key(n: str) -> tuple[float, float]:
        near = neighbours(n)
        if not near:
            return (position[n], 0)
        return (sum(p for p, _ in near) / len(near) + sum(r for _, r in near) * 0.01, position[n])
    nodes.sort(key=key)
    for i, n in enumerate(nodes):
        position[n] = float(i)


def _back_edges(g: nx.DiGraph, roots: list[str]) -> list[tuple[str, str]]:
    """Edges that close a loop, found by depth-first search from the triggers (then the rest)."""
    seen, on_stack, back = set(), set(), []
    for root in roots + [n for n in g if n not in roots]:
        if root in seen:
            continue
        stack = [(root, iter(g.successors(root)))]
        seen.add(root)
        on_stack.add(root)
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_stack.discard(node)
            elif child in on_stack:
                back.append((node, child))
            elif child not in seen:
                seen.add(child)
                on_stack.add(child)
                stack.append((child, iter(g.successors(child))))
    return back
