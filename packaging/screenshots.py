"""Renders the screenshots the README shows: the main window light and dark, a template open, the
inspector with a template preview, and a simulation overlay.

    .venv/bin/python packaging/screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def shoot(theme: str, out: Path) -> None:
    os.environ["SWITCHBACK_THEME"] = theme
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from switchback.app.designer import build_window
    from switchback.app.theme import apply_theme
    from switchback.runtime.simulation import simulate

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)

    def settle(ms: int = 150) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    w = build_window(workspace=os.path.join(tempfile.mkdtemp(), "workspace.sqlite"))
    w.resize(1440, 900)
    w.show()
    settle()
    w.view.fit()
    settle()
    w.grab().save(str(out / f"main-{theme}.png"))
    if theme != "light":
        return
    from switchback.app.workspace import templates
    nurture = next(t for t in templates() if t.key == "lead-nurture")
    w.create_from(nurture)
    settle()
    w.view.fit()
    settle()
    w.grab().save(str(out / "template-lead-nurture.png"))
    email = next(n.id for n in w.editor.journey.nodes if n.kind == "action.email")
    w.editor.scene.select_node(email)
    settle()
    w.grab().save(str(out / "inspector-preview.png"))
    w.editor.scene.clearSelection()
    from datetime import datetime, timezone
    from switchback.runtime.contacts import Event
    contacts = w.workspace.contacts()
    start = datetime(2026, 3, 2, 9, tzinfo=timezone.utc)
    events = [Event(c["email"].lower(), "form_submitted", start, {"form": "ebook"}) for c in contacts]
    events += [Event(c["email"].lower(), "email_clicked", start.replace(day=3), {}) for c in contacts[::2]]
    result = simulate([w.editor.journey], contacts, events, start, 30, keep_timeline=True)
    w.show_simulation(result)
    first = w.messages.item(0)
    if first is not None:
        w._message_clicked(first)
    settle()
    w.grab().save(str(out / "simulation.png"))


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 2:                       # one theme per process: the palette is set once
        shoot(sys.argv[2], out)
    else:
        for theme in ("light", "dark"):
            subprocess.run([sys.executable, __file__, str(out), theme], check=True)
        print(f"screenshots in {out}")
