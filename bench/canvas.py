"""Designer benchmark, for both shapes of a 1,000-node journey (narrow and wide, bench/shapes.py):
the designer opening and drawing it, a full repaint, auto-layout; `switchback export-image` to PNG,
SVG and PDF as a whole process with its peak memory; and NodeGraphQt (the peer a user would pick)
loading, fitting and painting the same graph, in the same run, as a ratio.

Every measurement runs in a process of its own, so each peak memory is its own.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/canvas.py [--nodes 1000] [--runs 3] [--skip-peer]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import child_peak, shapes                              # noqa: E402

SHAPES = {"narrow": shapes.narrow, "wide": shapes.wide}


def peak_mb() -> float:
    return child_peak.own_peak_mb()


def open_in_designer(path: str) -> dict:
    """The designer's view of the journey file, from reading it to the view (minimap included)
    drawn, after a small journey warmed Qt up as the window's first journey does."""
    from PySide6.QtWidgets import QApplication
    from switchback.canvas.editor import JourneyEditor
    from switchback.canvas.layout import layout
    from switchback.canvas.view import JourneyView
    from switchback.runtime import document
    import networkx  # noqa: F401  (loaded at start-up in the app; not part of opening a journey)
    app = QApplication(sys.argv[:1])
    view = JourneyView()
    view.resize(1400, 900)
    view.show()
    view.setScene(JourneyEditor(document.from_dict(shapes.narrow(8))).scene)
    view.grab()
    t, cpu = time.perf_counter(), time.process_time()
    journey = document.load(path)
    for node_id, pos in layout(journey).items():
        journey.node(node_id).position = pos
    editor = JourneyEditor(journey)
    view.setScene(editor.scene)
    view.fit()
    view.grab()                             # the view and its minimap, as a user first sees them
    opened, opened_cpu = time.perf_counter() - t, time.process_time() - cpu
    t = time.perf_counter()
    layout(journey)
    laid = time.perf_counter() - t
    view.set_zoom(0.6)
    app.processEvents()
    times = []
    for _ in range(20):
        t = time.perf_counter()
        view.viewport().repaint()           # synchronous: the whole visible canvas, as a user sees it
        times.append(time.perf_counter() - t)
    return {"opened": opened, "opened_cpu": opened_cpu, "repaint": statistics.median(times), "layout": laid,
            "peak": peak_mb()}


def open_in_peer(path: str) -> dict:
    """NodeGraphQt with the same nodes and edges, placed where Switchback's layout puts them:
    built, fitted and painted; then its own auto-layout, timed apart."""
    from NodeGraphQt import BaseNode, NodeGraph
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication
    from switchback.canvas.layout import layout
    from switchback.runtime import document
    app = QApplication(sys.argv[:1])  # noqa: F841

    class Card(BaseNode):
        __identifier__ = "bench"
        NODE_NAME = "card"

        def __init__(self):
            super().__init__()
            self.add_input("in")
            self.add_output("next")
            self.add_output("no")

    data = json.loads(Path(path).read_text())
    positions = layout(document.from_dict(data))
    t = time.perf_counter()
    graph = NodeGraph()
    graph.register_node(Card)
    made = {}
    for node in data["nodes"]:
        made[node["id"]] = graph.create_node("bench.Card", name=node["id"], pos=positions[node["id"]], push_undo=False)
    for e in data["edges"]:
        port = "no" if e.get("port") == "no" else "next"
        made[e["from"]].get_output(port).connect_to(made[e["to"]].get_input("in"), push_undo=False)
    built = time.perf_counter() - t
    widget = graph.widget
    widget.resize(1400, 900)
    widget.show()
    graph.fit_to_selection()
    image = QImage(1400, 900, QImage.Format_ARGB32)
    painter = QPainter(image)
    graph.viewer().render(painter)
    painter.end()
    opened = time.perf_counter() - t
    # NodeGraphQt's layout recurses once per layer: a deep journey needs a higher limit than Python's.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20 * len(data["nodes"])))
    t = time.perf_counter()
    graph.auto_layout_nodes()
    return {"opened": opened, "built": built, "layout": time.perf_counter() - t, "peak": peak_mb()}


def child(mode: str, path: str) -> dict | None:
    p = subprocess.run([sys.executable, __file__, f"--{mode}", path], capture_output=True, text=True, cwd=ROOT)
    if p.returncode != 0:
        print(f"{mode} {path}: failed: {p.stderr.strip().splitlines()[-1:]}")
        return None
    return json.loads(p.stdout.strip().splitlines()[-1])


def export(path: str, out: str) -> tuple[float, float, str, float]:
    """`switchback export-image` as a whole process: wall time, its peak memory, what it printed, and
    its CPU time (the wall time's floor on a machine other work shares)."""
    t = time.perf_counter()
    p = child_peak.start("export-image", path, out, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(p.pid, 0)         # its CPU time; its peak it says itself (bench/child_peak.py)
    took = time.perf_counter() - t
    said, err = p.stdout.read().strip(), p.stderr.read()
    if status != 0:
        raise SystemExit(f"export-image {out} failed: {child_peak.without_mark(err)}")
    return took, child_peak.peak_mb(err), said, usage.ru_utime + usage.ru_stime


def spread(values: list[float], fmt: str) -> str:
    low, high = min(values), max(values)
    return format(low, fmt) if format(low, fmt) == format(high, fmt) else f"{format(low, fmt)}-{format(high, fmt)}"


def main(n: int, runs: int, skip_peer: bool) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="switchback-bench-"))
    for name, make in SHAPES.items():
        path = tmp / f"{name}.journey.json"
        path.write_text(json.dumps(make(n)))
        ours = [r for r in (child("open", str(path)) for _ in range(runs)) if r]
        print(f"\n{name}, {n:,} nodes:")
        opened = [r["opened"] * 1000 for r in ours]
        print(f"  Switchback designer: opened and drawn in {spread(opened, '.0f')} ms (CPU "
              f"{spread([r['opened_cpu'] * 1000 for r in ours], '.0f')} ms), full repaint "
              f"{spread([r['repaint'] * 1000 for r in ours], '.1f')} ms (1400x900 at 60% zoom), auto-layout "
              f"{spread([r['layout'] * 1000 for r in ours], '.0f')} ms, peak memory {max(r['peak'] for r in ours):.0f} MB")
        exports = {}
        for fmt in ("png", "svg", "pdf"):
            done = [export(str(path), str(tmp / f"{name}.{fmt}")) for _ in range(runs)]
            exports[fmt] = [d[0] for d in done]
            print(f"  export-image {fmt.upper()}: {spread(exports[fmt], '.2f')} s as a whole process "
                  f"(CPU {spread([d[3] for d in done], '.2f')} s), peak memory "
                  f"{max(d[1] for d in done):.0f} MB, {(tmp / f'{name}.{fmt}').stat().st_size / 1e6:.1f} MB file"
                  + (f"; it said: {done[-1][2]}" if fmt == "png" else ""))
        peer = None if skip_peer else child("peer", str(path))
        if peer:
            print(f"  NodeGraphQt 0.6, same graph and positions: loaded, fitted and painted in {peer['opened'] * 1000:.0f} ms "
                  f"(building the graph {peer['built'] * 1000:.0f} ms), its auto-layout {peer['layout'] * 1000:.0f} ms, "
                  f"peak memory {peer['peak']:.0f} MB")
            print(f"  Switchback opens it {peer['opened'] * 1000 / statistics.median(opened):.1f}x as fast; "
                  "export-image to PNG, SVG and PDF, each a whole process, is "
                  + ", ".join(f"{peer['opened'] / statistics.median(v):.1f}x" for v in exports.values())
                  + " as fast as NodeGraphQt's load, fit and paint")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--open", metavar="FILE", help=argparse.SUPPRESS)
    ap.add_argument("--peer", metavar="FILE", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.open or a.peer:
        print(json.dumps(open_in_designer(a.open) if a.open else open_in_peer(a.peer)))
    else:
        main(a.nodes, a.runs, a.skip_peer)
