"""Renders the README's screenshots of results in the designer, each light and dark at 1280x720 and
1920x1080: the published journey's live counts on its cards with the alerts strip and the Results
dock (figures and the per-day plot), the contacts at a node, and one contact's trace opened from there.

    .venv/bin/python packaging/results_screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from everyday_screenshots import over  # noqa: E402
from shots import SIZES, run, settle  # noqa: E402


def refreshed(w, act=None) -> None:
    """Run `act` (a refresh by default) and wait until the worker's findings are shown."""
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    w.results.applied.connect(loop.quit)
    QTimer.singleShot(30000, loop.quit)
    (act or w.results.refresh)()
    loop.exec()
    w.results.applied.disconnect(loop.quit)
    settle()


def shoot(theme: str, out: Path) -> None:
    from PySide6.QtCore import Qt

    from switchback.app.designer import build_window
    from tests.support.results_workspace import build

    ws = Path(tempfile.mkdtemp()) / "workspace.sqlite"
    build(ws, n=1500)
    w = build_window(workspace=str(ws))
    w.show()
    refreshed(w)
    for width, height in SIZES:
        size = f"{theme}-{width}x{height}"
        w.resize(width, height)
        w.results.dock.raise_()
        w.resizeDocks([w.results.dock], [int(height * 0.34)], Qt.Vertical)
        settle()
        w.view.fit()
        refreshed(w, lambda: w.editor.scene.clearSelection())
        w.grab().save(str(out / f"results-live-{size}.png"))
        refreshed(w, lambda: w.editor.scene.select_node("wait"))
        w.grab().save(str(out / f"results-contacts-{size}.png"))
        item = w.results.panel.contacts.item(0)
        w.results.panel.contacts.setCurrentItem(item)
        w.results.open_trace(item.data(Qt.UserRole))
        over(w, w.contacts, out / f"results-trace-{size}.png")
        w.contacts.reject()
        w.editor.scene.clearSelection()


if __name__ == "__main__":
    run(__file__, shoot)
