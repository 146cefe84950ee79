"""Renders the README's screenshots of the designer running its workspace, each light and dark at
1280x720 and 1920x1080: the status bar saying what runs, and File › Keep running in the background.

    .venv/bin/python packaging/live_screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import json
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shots import SIZES, run, settle  # noqa: E402


def with_menu(window, path: Path) -> None:
    """The window with its File menu open under the menu bar, the keep-running entry highlighted."""
    from PySide6.QtGui import QPainter
    bar = window.menuBar()
    file_action = bar.actions()[0]
    menu = file_action.menu()
    corner = bar.mapTo(window, bar.actionGeometry(file_action).bottomLeft())
    menu.popup(window.mapToGlobal(corner))
    menu.setActiveAction(window.live.keep)
    settle()
    image = window.grab()
    p = QPainter(image)
    p.drawPixmap(corner, menu.grab())
    p.end()
    menu.hide()
    image.save(str(path))


def shoot(theme: str, out: Path) -> None:
    from switchback.app.cli import main
    from switchback.app.designer import build_window, run_live

    folder = Path(tempfile.mkdtemp())
    ws = str(folder / "workspace.sqlite")
    w = build_window(workspace=ws)
    w.show()
    w.publish_now()                                                  # the sample journey, live
    now = datetime.now(timezone.utc)
    signups = folder / "signups.jsonl"
    signups.write_text("".join(json.dumps({"contact": c["email"], "type": "signed_up",
                                           "at": (now - timedelta(minutes=5 * i)).isoformat()}) + "\n"
                               for i, c in enumerate(w.workspace.contacts())))
    main(["events", str(signups), "--workspace", ws])
    run_live(w)
    deadline = time.monotonic() + 30
    while "waiting" not in w.live.label.text() or "0 contacts" in w.live.label.text():
        settle(200)
        w.live.live.refresh()
        if time.monotonic() > deadline:
            raise SystemExit(f"the status bar never said what runs: {w.live.label.text()!r}")
    w.live.keep.setChecked(True)
    for width, height in SIZES:
        size = f"{theme}-{width}x{height}"
        w.resize(width, height)
        settle(300)
        w.grab().save(str(out / f"live-status-{size}.png"))
        with_menu(w, out / f"keep-running-{size}.png")
    w.live.keep.setChecked(False)
    w.close()


if __name__ == "__main__":
    run(__file__, shoot)
