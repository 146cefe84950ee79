"""`switchback export-image` as a user runs it: a wide journey's PNG is capped to what an image
viewer opens and says it was scaled; a normal journey keeps the designer's 2x; SVG carries the cards
as shapes and text, not as pictures of them."""
from __future__ import annotations

import json
import struct
import subprocess

from tests.conftest import ROOT, SWITCHBACK

TEMPLATE = ROOT / "resources" / "templates" / "lead-nurture.journey.json"


def wide(tmp_path, paths: int = 80):
    """`paths` triggers side by side, each with its own email: 80 cards make 24,000 px across."""
    nodes, edges = [], []
    for i in range(paths):
        nodes += [{"id": f"t{i}", "kind": "trigger.event", "config": {"event": f"e{i}"}},
                  {"id": f"m{i}", "kind": "action.email",
                   "config": {"connector": "smtp", "subject": f"Hello {i}", "body": "..."}}]
        edges.append({"from": f"t{i}", "to": f"m{i}"})
    path = tmp_path / "wide.journey.json"
    path.write_text(json.dumps({"format": "switchback.journey/1", "key": "wide", "name": "Wide",
                                "nodes": nodes, "edges": edges}))
    return path


def export(src, out) -> subprocess.CompletedProcess:
    return subprocess.run([*SWITCHBACK, "export-image", str(src), str(out)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_a_wide_journeys_png_is_capped_and_says_so(tmp_path):
    p = export(wide(tmp_path), tmp_path / "wide.png")
    assert p.returncode == 0, p.stderr
    width, height = png_size(tmp_path / "wide.png")
    from switchback.canvas.export import MAX_PIXELS, MAX_SIDE
    assert max(width, height) <= MAX_SIDE and width * height <= MAX_PIXELS
    assert width == MAX_SIDE or width * height > 0.97 * MAX_PIXELS      # as large as the cap allows, not smaller
    line = p.stdout.strip()
    assert f"{width:,} x {height:,} px" in line and "scaled down from" in line
    full = line.split("scaled down from ")[1].split(" px")[0]
    assert int(full.split(" x ")[0].replace(",", "")) > 40_000      # the uncapped 2x picture it replaces


def test_a_normal_journey_keeps_the_designers_2x_and_is_not_called_scaled(tmp_path):
    p = export(TEMPLATE, tmp_path / "n.png")
    assert p.returncode == 0, p.stderr
    width, height = png_size(tmp_path / "n.png")
    assert (width, height) == (1656, 3456)       # 2x the cards' extent and margins: labels as sharp as on screen
    assert "scaled" not in p.stdout


def test_svg_draws_the_cards_as_shapes_and_text(tmp_path):
    p = export(TEMPLATE, tmp_path / "n.svg")
    assert p.returncode == 0, p.stderr
    svg = (tmp_path / "n.svg").read_text()
    assert "<image" not in svg                   # no card painted into a pixmap first
    assert "Thank-you email" in svg and "Downloaded guide" in svg
