"""Renders the README's screenshots of a marketer's everyday tools, each light and dark at 1280x720
and 1920x1080 as a screen of that size shows them (a dialog drawn over the window it belongs to):
the condition builder, the contacts view with a timeline, the template gallery, the workspace
settings, and an email's HTML preview.

    .venv/bin/python packaging/everyday_screenshots.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from switchback.nodes import declared as K  # noqa: E402
from shots import SIZES, run, settle  # noqa: E402

HTML = ("<h1>Your guide is here, {{ contact.first_name }}</h1><p>Thanks for downloading it. "
        "<b>Three ideas</b> to start with:</p><ul><li>Map the journey</li><li>Write one email</li>"
        "<li>Measure the click</li></ul><p><a href='https://example.com/guide'>Open the guide</a></p>")


def over(window, dialog, path: Path) -> None:
    """The window with the dialog drawn where a window manager centres it."""
    from PySide6.QtGui import QPainter
    dialog.resize(min(dialog.width(), window.width() - 40), min(dialog.height(), window.height() - 40))
    settle()
    image = window.grab()
    shot = dialog.grab()
    p = QPainter(image)
    p.drawPixmap((image.width() - shot.width()) // 2, (image.height() - shot.height()) // 2, shot)
    p.end()
    image.save(str(path))


def shoot(theme: str, out: Path) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QScrollArea, QWidget

    from switchback.app.cli import main
    from switchback.app.designer import build_window
    from switchback.app.workspace import templates

    folder = Path(tempfile.mkdtemp())
    ws = str(folder / "workspace.sqlite")
    w = build_window(workspace=ws)
    w.show()
    w.publish_now()                                                  # the sample journey, live
    signups = folder / "signups.jsonl"
    signups.write_text("".join(json.dumps({"contact": c["email"], "type": "signed_up", "at": "2026-03-02T09:00:00Z"})
                               + "\n" for c in w.workspace.contacts()))
    main(["events", str(signups), "--workspace", ws])
    main(["run", "--until-idle", "--sync-every", "0", "--workspace", ws])
    for width, height in SIZES:
        size = f"{theme}-{width}x{height}"
        w.resize(width, height)
        w.create_from(next(t for t in templates() if t.key == "lead-nurture"))
        branch = next(n for n in w.editor.journey.nodes if n.kind == K.IF.name)
        w.editor.set_config(branch.id, {"when": "events('email_clicked', within='7d') >= 1 and "
                                                "contact.country in ['DE', 'FR'] and contact.score >= 50"})
        w.editor.scene.select_node(branch.id)
        settle()
        w.view.set_zoom(1.0)
        w.view.centerOn(w.editor.scene.cards[branch.id])
        settle()
        w.grab().save(str(out / f"condition-builder-{size}.png"))
        email = next(n for n in w.editor.journey.nodes if n.kind == K.EMAIL.name)
        w.editor.set_config(email.id, dict(email.config, html=HTML))
        w.editor.scene.select_node(email.id)
        settle()
        w.view.centerOn(w.editor.scene.cards[email.id])
        html = next(f for f in w.node_inspector.findChildren(QWidget, "field-html") if f.isVisible())
        area = next(a for a in w.node_inspector.findChildren(QScrollArea) if a.isAncestorOf(html))
        settle()
        area.verticalScrollBar().setValue(html.mapTo(area.widget(), QPoint(0, 0)).y())   # scrolled to it
        settle()
        w.grab().save(str(out / f"html-preview-{size}.png"))
        w.new_from_template()
        over(w, w.gallery, out / f"template-gallery-{size}.png")
        w.gallery.reject()
        w.contacts_view()
        w.contacts.table.selectRow(0)
        over(w, w.contacts, out / f"contacts-{size}.png")
        w.contacts.reject()
        w.workspace_settings_dialog()
        w.dialog.sources.name.setText(f"website-{width}")      # a source just added: its key shown once
        w.dialog.sources.add()
        over(w, w.dialog, out / f"workspace-settings-{size}.png")
        w.dialog.reject()


if __name__ == "__main__":
    run(__file__, shoot)
