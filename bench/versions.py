"""Versions benchmark: the diff of two 1,000-node versions of a journey (the narrow nurture of
bench/shapes.py), and that diff drawn on the canvas (the read-only scene built, marked and painted at 1400x900), with peak memory.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/versions.py [--nodes 1000]
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

from bench.shapes import narrow as big_journey                   # noqa: E402
from switchback.nodes import declared as K                                # noqa: E402
from switchback.runtime import document                                     # noqa: E402
from switchback.runtime.diff import diff                                    # noqa: E402


def two_versions(n: int):
    """Version 1 laid out, and version 2 with a tenth of its nodes changed, 20 removed, 20 added,
    connections re-wired around them, every card moved, and a setting changed."""
    from switchback.canvas.layout import layout
    before = document.from_dict(big_journey(n))
    for node_id, pos in layout(before).items():
        before.node(node_id).position = pos
    after = document.loads(before.dumps())
    for i, node in enumerate(after.nodes):
        node.position = [node.position[0] + 20, node.position[1]]
        if node.kind == K.EMAIL.name and i % 10 == 3:
            node.config["subject"] = f"New subject {i}"
    scores = [x.id for x in after.nodes if x.kind == K.SCORE.name][:20]
    gone = set(scores)
    after.nodes = [x for x in after.nodes if x.id not in gone]
    rewired = []
    for e in after.edges:
        if e.target in gone:                      # the branch's "no" goes straight to the mail now
            rewired.append(document.Edge(e.source, e.source.replace("if-", "mail-"), e.port))
    after.edges = [e for e in after.edges if e.source not in gone and e.target not in gone] + rewired
    for i, mail in enumerate([x.id for x in after.nodes if x.kind == K.EMAIL.name][:20]):
        after.nodes.append(document.Node(id=f"new-{i}", kind=K.SCORE.name, config={"add": 1},
                                         position=[600, i * 120]))
        after.edges.append(document.Edge(mail, f"new-{i}"))
    after.settings_raw = {"priority": 5}
    return before, after


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int) -> None:
    before, after = two_versions(n)
    times, cpu = [], []
    for _ in range(20):
        t, c = time.perf_counter(), time.process_time()
        changes = diff(before, after)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    took = sorted(times)[len(times) // 2]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; wall-clock time, and this process's CPU time")
    print(f"diff of two {n:,}-node versions: {took * 1000:.1f} ms (CPU {sorted(cpu)[10] * 1000:.1f} ms; median of 20; "
          f"{len(changes.added)} added, "
          f"{len(changes.removed)} removed, {len(changes.changed)} changed, {len(changes.edges_added)} connections "
          f"added, {len(changes.edges_removed)} removed, settings {changes.settings})")

    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtWidgets import QApplication

    from switchback.canvas.diff_view import diff_scene
    from switchback.canvas.theme import LIGHT
    from switchback.canvas.view import JourneyView
    app = QApplication.instance() or QApplication(sys.argv[:1])
    view = JourneyView()
    view.resize(1400, 900)
    view.show()
    app.processEvents()
    drawn, cpu = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        scene = diff_scene(before, after, diff(before, after), LIGHT)
        view.setScene(scene)
        view.fit()
        image = QImage(view.viewport().size(), QImage.Format_ARGB32)
        painter = QPainter(image)
        view.render(painter)
        painter.end()
        drawn.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        view.setScene(None)
        scene.deleteLater()
        app.processEvents()
    shown = sorted(drawn)[len(drawn) // 2]
    print(f"canvas diff of the same, computed, built and drawn at 1400x900: {shown * 1000:.0f} ms "
          f"(CPU {sorted(cpu)[2] * 1000:.0f} ms; median of 5); "
          f"peak memory {peak_mb():.0f} MB")
    print(f"targets: diff < 100 ms {'met' if took < 0.1 else 'MISSED'}; canvas < 500 ms "
          f"{'met' if shown < 0.5 else 'MISSED'}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    main(ap.parse_args().nodes)
