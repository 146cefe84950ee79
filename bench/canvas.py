"""Designer benchmark: a 1,000-node journey opened and drawn, a full repaint, auto-layout, and peak
memory; the same graph in NodeGraphQt (the peer a user would pick) when it is installed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/canvas.py [--nodes 1000] [--skip-peer]
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication                       # noqa: E402

from runtime import document                                     # noqa: E402


def big_journey(n: int) -> dict:
    """A long nurture: a trigger, then repeating blocks of wait, branch and actions, `n` nodes."""
    nodes = [{"id": "start", "kind": "trigger.event", "config": {"event": "signed_up"}}]
    edges = []
    prev, i = "start", 0
    while len(nodes) < n:
        i += 1
        block = [
            {"id": f"wait-{i}", "kind": "wait.delay", "config": {"duration": "1d"}},
            {"id": f"if-{i}", "kind": "branch.if", "config": {"when": f"contact.score >= {i % 90}"}},
            {"id": f"mail-{i}", "kind": "action.email", "config": {"connector": "smtp", "subject": f"Step {i}, {{{{ contact.first_name }}}}", "body": "..."}},
            {"id": f"score-{i}", "kind": "action.score", "config": {"add": 5}},
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


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(n: int) -> float:
    from PySide6.QtGui import QImage, QPainter
    from canvas.editor import JourneyEditor
    from canvas.layout import layout
    from canvas.view import JourneyView
    import networkx  # noqa: F401  (loaded at start-up in the app; not part of opening a journey)
    data = big_journey(n)
    view = JourneyView()
    view.resize(1400, 900)
    view.show()
    t = time.perf_counter()
    journey = document.from_dict(data)
    positions = layout(journey)
    for node_id, pos in positions.items():
        journey.node(node_id).position = pos
    editor = JourneyEditor(journey)
    view.setScene(editor.scene)
    view.fit()
    image = QImage(view.viewport().size(), QImage.Format_ARGB32)
    painter = QPainter(image)
    view.render(painter)
    painter.end()
    opened = time.perf_counter() - t
    t = time.perf_counter()
    layout(journey)
    laid = time.perf_counter() - t
    view.set_zoom(0.6)
    app = QApplication.instance()
    app.processEvents()
    times = []
    for _ in range(20):
        t = time.perf_counter()
        view.viewport().repaint()           # synchronous: the whole visible canvas, as a user sees it
        times.append(time.perf_counter() - t)
    repaint = sorted(times)[len(times) // 2]
    print(f"Switchback designer, {n:,}-node journey: opened and drawn in {opened * 1000:.0f} ms, "
          f"full repaint {repaint * 1000:.1f} ms (median of 20, 1400x900 at 60% zoom), "
          f"auto-layout {laid * 1000:.0f} ms, peak memory {peak_mb():.0f} MB")
    return opened


def peer(n: int) -> float | None:
    try:
        from NodeGraphQt import BaseNode, NodeGraph
    except Exception as e:
        print(f"NodeGraphQt: not available ({type(e).__name__}: {e})")
        return None
    from PySide6.QtGui import QImage, QPainter

    class Card(BaseNode):
        __identifier__ = "bench"
        NODE_NAME = "card"

        def __init__(self):
            super().__init__()
            self.add_input("in")
            self.add_output("next")
            self.add_output("no")

    data = big_journey(n)
    t = time.perf_counter()
    graph = NodeGraph()
    graph.register_node(Card)
    made = {}
    for i, node in enumerate(data["nodes"]):
        made[node["id"]] = graph.create_node("bench.Card", name=node["id"], pos=[0, i * 120], push_undo=False)
    for e in data["edges"]:
        port = "no" if e.get("port") == "no" else "next"
        made[e["from"]].get_output(port).connect_to(made[e["to"]].get_input("in"), push_undo=False)
    built = time.perf_counter() - t
    # NodeGraphQt's layout recurses once per layer: a deep journey needs a higher limit than Python's.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * n))
    t_layout = time.perf_counter()
    graph.auto_layout_nodes()
    laid = time.perf_counter() - t_layout
    widget = graph.widget
    widget.resize(1400, 900)
    widget.show()
    graph.fit_to_selection()
    image = QImage(1400, 900, QImage.Format_ARGB32)
    painter = QPainter(image)
    graph.viewer().render(painter)
    painter.end()
    took = time.perf_counter() - t - laid
    print(f"NodeGraphQt, the same {n:,} nodes: built and drawn in {took * 1000:.0f} ms (of which building the graph "
          f"{built * 1000:.0f} ms), auto-layout {laid * 1000:.0f} ms (after raising Python's recursion limit), "
          f"peak memory {peak_mb():.0f} MB (both in this process)")
    return took


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--skip-peer", action="store_true")
    a = ap.parse_args()
    app = QApplication(sys.argv[:1])
    mine = ours(a.nodes)
    if not a.skip_peer:
        theirs = peer(a.nodes)
        if theirs:
            print(f"Switchback opens it {theirs / mine:.1f}x as fast as NodeGraphQt")
