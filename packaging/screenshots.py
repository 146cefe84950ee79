"""Renders the screenshots the README shows: the main window light and dark, a template open, the
inspector with a template preview, and a simulation overlay.

    .venv/bin/python packaging/screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from switchback.nodes import declared as K  # noqa: E402
from shots import run, settle  # noqa: E402


def shoot(theme: str, out: Path) -> None:
    from switchback.app.designer import build_window
    from switchback.runtime.simulation import simulate

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
    email = next(n.id for n in w.editor.journey.nodes if n.kind == K.EMAIL.name)
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
    from switchback.app.simulation_panel import Simulated, message_lines
    from switchback.runtime.simulation_summary import summarise
    summary = summarise(result, w.editor.journey, events)
    w.show_simulation(Simulated(result, summary, *message_lines(summary, w.editor.journey)))
    panel = w.simulation
    if panel.model.rowCount():
        panel.messages.clicked.emit(panel.model.index(0, 0))      # the first message's path lit
    settle()
    w.grab().save(str(out / "simulation.png"))


if __name__ == "__main__":
    run(__file__, shoot)
