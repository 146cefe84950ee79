"""Renders the README's screenshots of versions: a diff drawn on the canvas (with a changed node's
fields in the inspector), and the badges of contacts still on older versions; each light and
dark, at 1280x720 and 1920x1080.

    .venv/bin/python packaging/version_screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from switchback.nodes import declared as K  # noqa: E402
from shots import SIZES, run, settle  # noqa: E402


def shoot(theme: str, out: Path) -> None:
    from PySide6.QtCore import QPointF, Qt

    from switchback.app.cli import main
    from switchback.app.designer import build_window
    from switchback.canvas.commands import MoveNodes

    folder = Path(tempfile.mkdtemp())
    ws = str(folder / "workspace.sqlite")
    w = build_window(workspace=ws)
    w.workspace.user = "ada"
    w.show()

    def publish(note: str) -> None:
        w.history.note.setText(note)
        w.publish_now()

    publish("Welcome series, first cut")
    events = folder / "signups.jsonl"
    now = datetime.now(timezone.utc).isoformat()
    emails = [c["email"] for c in w.workspace.contacts()]
    events.write_text("".join(json.dumps({"contact": e, "type": "signed_up", "at": now}) + "\n" for e in emails))
    main(["events", str(events), "--workspace", ws])
    main(["run", "--until-idle", "--sync-every", "0", "--workspace", ws])
    ed = w.editor
    ed.set_config("welcome", dict(ed.model.node("welcome").config, subject="Welcome aboard, {{ contact.first_name }}"))
    w.save_now()
    w.workspace.user = "grace"
    publish("Warmer welcome subject")
    later = folder / "more.jsonl"                            # more sign-ups: they enter v2
    later.write_text("".join(json.dumps({"contact": f"reader{i}@example.com", "type": "signed_up", "at": now}) + "\n"
                             for i in range(4)))
    main(["events", str(later), "--workspace", ws])
    main(["run", "--until-idle", "--sync-every", "0", "--workspace", ws])
    ed.set_label("wait-2d", "Wait a day")
    ed.set_config("wait-2d", {"duration": "1d"})
    ed.scene.select_node("start-b")
    ed.delete_selection()
    score = ed.add_node(K.SCORE.name, QPointF(ed.model.node("next-steps").position[0] + 320,
                                                ed.model.node("next-steps").position[1]))
    ed.connect_nodes("subject-test", "b", "start-a")
    ed.connect_nodes("next-steps", "next", score)
    ed.set_label(score, "Engaged +10")
    ed.undo.push(MoveNodes(ed.model, {"wait-3d": (ed.model.node("wait-3d").position,
                                                  [ed.model.node("wait-3d").position[0] + 40,
                                                   ed.model.node("wait-3d").position[1]])}))
    ed.set_settings(settings=dict(ed.journey.settings_raw, priority=30))
    w.save_now()
    w.workspace.user = "ada"
    publish("One subject, a shorter wait, score the engaged")
    w.history.parentWidget().raise_()
    for width, height in SIZES:
        w.resize(width, height)
        w.resizeDocks([w.history.parentWidget()], [height // 4], Qt.Vertical)
        w.history.leave_diff()
        w.history.list.clearSelection()
        w.editor.scene.clearSelection()
        settle()
        w.view.set_zoom(1.0)
        w.view.centerOn(w.editor.scene.cards["subject-test"])
        settle()
        w.grab().save(str(out / f"versions-badges-{theme}-{width}x{height}.png"))
        w.history.list.clearSelection()
        for i in range(w.history.list.topLevelItemCount()):        # v1 and v3, as a person picks them
            item = w.history.list.topLevelItem(i)
            item.setSelected(item.text(0) in ("v1", "v3"))
        w.history.compare()
        w.history.diff_scene.select_node("welcome")
        settle()
        w.view.fit()
        settle()
        w.grab().save(str(out / f"versions-diff-{theme}-{width}x{height}.png"))
    w.history.leave_diff()


if __name__ == "__main__":
    run(__file__, shoot)
