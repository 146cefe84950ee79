"""The results (SPEC 12) as one self-contained page: per journey its funnel drawn on its graph,
enrollments and conversions per day as inline SVG, the variants' and the holdout's tables with
their intervals. Printed to PDF as the audit's page is (runtime/audit/page.py)."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from switchback.runtime.audit.data import REPORT_DIR
from switchback.runtime.audit.page import write_page
from switchback.runtime.document import Journey

BOX_W, BOX_H, GAP_X, GAP_Y = 170, 54, 40, 36


def _depths(journey: Journey) -> dict[str, int]:
    """Each node's column: its longest distance from a trigger (a cycle stops at the first visit)."""
    depth = {n.id: 0 for n in journey.triggers()}
    frontier = list(depth)
    while frontier:
        nxt = []
        for node in frontier:
            for e in journey.edges:
                if e.source == node and e.target not in depth:
                    depth[e.target] = depth[node] + 1
                    nxt.append(e.target)
        frontier = nxt
    for n in journey.nodes:
        depth.setdefault(n.id, 0)
    return depth


def funnel(journey: Journey, nodes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The journey's graph laid out left to right, each node with its counts, each edge as wide as
    the share of the contacts who went along it."""
    depth = _depths(journey)
    rows: dict[int, int] = {}
    at: dict[str, tuple[int, int]] = {}
    for n in journey.nodes:
        col = depth[n.id]
        row = rows.get(col, 0)
        rows[col] = row + 1
        at[n.id] = (20 + col * (BOX_W + GAP_X), 20 + row * (BOX_H + GAP_Y))
    top = max([c["entered"] for c in nodes.values()] + [1])
    boxes = [{"x": x, "y": y, "id": nid, "entered": nodes.get(nid, {}).get("entered", 0),
              "now": nodes.get(nid, {}).get("now", 0), "sent": nodes.get(nid, {}).get("sent", 0)}
             for nid, (x, y) in at.items()]
    lines = []
    for e in journey.edges:
        if e.source in at and e.target in at:
            (x1, y1), (x2, y2) = at[e.source], at[e.target]
            share = nodes.get(e.target, {}).get("entered", 0) / top
            lines.append({"x1": x1 + BOX_W, "y1": y1 + BOX_H / 2, "x2": x2, "y2": y2 + BOX_H / 2,
                          "width": 1 + 9 * share, "port": e.port or ""})
    width = 40 + (max(depth.values(), default=0) + 1) * (BOX_W + GAP_X)
    height = 40 + max(rows.values(), default=1) * (BOX_H + GAP_Y)
    return {"boxes": boxes, "lines": lines, "width": width, "height": height, "box_w": BOX_W, "box_h": BOX_H}


def day_plot(days: list[tuple[date, int, int]], width: int = 720, height: int = 200) -> dict[str, Any] | None:
    """Enrolled and converted per day as two polylines on one axis."""
    if not days:
        return None
    top = max(max(e, c) for _, e, c in days) or 1
    step = (width - 60) / max(len(days) - 1, 1)

    def points(i: int) -> str:
        return " ".join(f"{50 + k * step:.1f},{height - 30 - (row[i] / top) * (height - 50):.1f}"
                        for k, row in enumerate(days))
    return {"width": width, "height": height, "top": top, "enrolled": points(1), "converted": points(2),
            "first": days[0][0].isoformat(), "last": days[-1][0].isoformat()}


def render_html(results: dict[str, Any], journeys: dict[str, Journey], days: dict[str, list],
                since: datetime | None, until: datetime | None, made: datetime) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(str(REPORT_DIR)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["pct"] = lambda x: f"{100 * x:.1f} %"
    env.filters["pts"] = lambda x: f"{100 * x:+.1f}"
    css = (REPORT_DIR / "audit.css").read_text(encoding="utf-8")
    shown = [{"key": key, "name": journeys[key].name, "r": r, "funnel": funnel(journeys[key], r["nodes"]),
              "plot": day_plot(days.get(key, []))} for key, r in results["journeys"].items()]
    return env.get_template("results.html.j2").render(css=Markup(css), journeys=shown, since=since, until=until,
                                                      made=made)


def write_results(html: str, path: str | Path) -> Path:
    return write_page(html, path)
