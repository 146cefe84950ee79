"""The two shapes of a 1,000-node journey the designer benchmark draws: a long narrow nurture and a
wide segmentation tree (the shape where a picture of the whole journey gets large)."""
from __future__ import annotations

from switchback.nodes import declared as K


def narrow(n: int) -> dict:
    """A long nurture, 308 px across: a trigger, then repeating blocks of wait, branch and actions, `n` nodes."""
    nodes = [{"id": "start", "kind": K.EVENT.name, "config": {"event": "signed_up"}}]
    edges = []
    prev, i = "start", 0
    while len(nodes) < n:
        i += 1
        block = [
            {"id": f"wait-{i}", "kind": K.DELAY.name, "config": {"duration": "1d"}},
            {"id": f"if-{i}", "kind": K.IF.name, "config": {"when": f"contact.score >= {i % 90}"}},
            {"id": f"mail-{i}", "kind": K.EMAIL.name, "config": {"connector": "smtp", "subject": f"Step {i}, {{{{ contact.first_name }}}}", "body": "..."}},
            {"id": f"score-{i}", "kind": K.SCORE.name, "config": {"add": 5}},
        ]
        nodes += block
        edges += [{"from": prev, "to": f"wait-{i}"}, {"from": f"wait-{i}", "to": f"if-{i}"},
                  {"from": f"if-{i}", "port": "yes", "to": f"mail-{i}"}, {"from": f"if-{i}", "port": "no", "to": f"score-{i}"},
                  {"from": f"score-{i}", "to": f"mail-{i}"}]
        prev = f"mail-{i}"
    nodes = nodes[:n]
    ids = {x["id"] for x in nodes}
    edges = [e for e in edges if e["from"] in ids and e["to"] in ids]
    return {"format": "switchback.journey/1", "key": "big", "name": "Big", "nodes": nodes, "edges": edges}


def widths(n: int, depth: int = 27, widest: int = 153) -> list[int]:
    """Nodes per level of a wide journey: doubling to `widest`, then most paths end and the rest go on."""
    out = [1, 1]                      # the trigger, then the first branch
    while out[-1] < widest and len(out) < depth:
        out.append(min(widest, out[-1] * 2))
    rest, levels = n - sum(out), depth - len(out)
    return out + [rest // levels + (1 if i < rest % levels else 0) for i in range(levels)]


def wide(n: int, depth: int = 27) -> dict:
    """A segmentation tree: a trigger, branches fanning out to 153 paths side by side (46,000 px
    across), then most paths end and the rest run on; `depth` levels and `n` nodes in all."""
    actions = [(K.EMAIL.name, {"connector": "smtp", "subject": "Hello {{ contact.first_name }}", "body": "..."}),
               (K.DELAY.name, {"duration": "2d"}), (K.SCORE.name, {"add": 5})]
    sizes = widths(n, depth) + [0]
    nodes = [{"id": "start", "kind": K.EVENT.name, "config": {"event": "signed_up"}}]
    edges, frontier = [], ["start"]
    for level in range(1, len(sizes) - 1):
        width, forks = sizes[level], max(0, sizes[level] - len(frontier))
        nxt: list[str] = []
        for j, parent in enumerate(frontier):
            for port in (["yes", "no"] if j < forks else [None]):
                if len(nxt) == width:
                    break
                node_id = f"n{level}-{len(nxt)}"
                splits = len(nxt) < max(0, sizes[level + 1] - width)   # forks on the next level
                kind, config = (K.IF.name, {"when": f"contact.score >= {len(nxt) % 90}"}) if splits \
                    else actions[(level + len(nxt)) % len(actions)]
                nodes.append({"id": node_id, "kind": kind, "config": config})
                edges.append({"from": parent, "to": node_id, **({"port": port} if port else {})})
                nxt.append(node_id)
        frontier = nxt
    return {"format": "switchback.journey/1", "key": "wide", "name": "Wide", "nodes": nodes, "edges": edges}
