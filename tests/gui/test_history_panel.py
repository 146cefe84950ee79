"""The designer's History panel on real widgets: versions with who, note and contacts; two chosen
versions drawn as a diff on the canvas with a changed node's fields in the inspector; contacts on
older versions as badges on the cards; Restore as draft; review and approval."""
import json
from datetime import datetime, timezone

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QPushButton

from switchback.app.cli import main
from switchback.app.designer import build_window
from tests.gui.publishing import publish


def row(panel, version):
    """The panel's row of a version (an int) or of the draft ('Draft')."""
    for i in range(panel.list.topLevelItemCount()):
        item = panel.list.topLevelItem(i)
        if item.text(0) == (f"v{version}" if isinstance(version, int) else version):
            return item
    raise AssertionError(f"no row {version}: {[panel.list.topLevelItem(i).text(0) for i in range(panel.list.topLevelItemCount())]}")


def choose(panel, *versions):
    panel.list.clearSelection()
    for v in versions:
        row(panel, v).setSelected(True)


def click(qtbot, panel, name):
    button = panel.findChild(QPushButton, f"history-{name}")
    assert button.isVisible() and button.isEnabled(), name
    qtbot.mouseClick(button, Qt.LeftButton)


def publish_with_note(w, note):
    w.history.note.setText(note)
    publish(w)
    assert w.status.text().startswith("Published"), w.status.text()


def two_versions(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.workspace.user = "ada"
    w.show()
    publish_with_note(w, "First welcome")
    ed = w.editor
    config = dict(ed.model.node("welcome").config, subject="Welcome aboard")
    ed.set_config("welcome", config)
    ed.set_label("wait-2d", "Two days")
    ed.undo.push(__import__("switchback.canvas.commands", fromlist=["MoveNodes"]).MoveNodes(
        ed.model, {"next-steps": (ed.model.node("next-steps").position, [900, 900])}))
    added = ed.add_node("action.score", QPointF(600, 0))
    ed.connect_nodes("next-steps", "next", added)
    w.save_now()
    publish_with_note(w, "Warmer subject, a score at the end")
    return w, added


def test_history_lists_versions_and_a_diff_is_drawn_on_the_canvas(qtbot, tmp_path):
    w, added = two_versions(qtbot, tmp_path)
    panel = w.history
    assert [row(panel, v).text(2) for v in (2, 1)] == ["ada", "ada"]
    assert [row(panel, v).text(4) for v in (2, 1)] == ["Warmer subject, a score at the end", "First welcome"]
    assert row(panel, 1).text(3) == "0"
    assert w.history.note.text() == ""

    choose(panel, 1, 2)
    click(qtbot, panel, "compare")
    scene = w.view.scene()
    assert scene is panel.diff_scene and scene is not w.editor.scene
    marks = {i: c.mark for i, c in scene.cards.items() if c.mark}
    assert marks == {added: "added", "welcome": "changed", "wait-2d": "changed"}          # next-steps only moved
    edges = {(i.edge.source, i.edge.target): i.mark for i in scene.edges.values() if i.mark}
    assert edges == {("next-steps", added): "added"}
    assert "Version 1 → version 2: 1 added, 0 removed, 2 changed" in w.status.text()

    scene.select_node("welcome")
    changes = w.node_inspector.changes
    assert changes.isVisible() and "Changed from version 1 to version 2" in changes.text()
    assert "subject: &quot;Welcome! Here&#x27;s what happens next&quot; -&gt; &#x27;Welcome aboard&#x27;" in changes.text()
    assert not w.node_inspector.form.isEnabled()                     # a diff is read-only

    click(qtbot, panel, "back")
    assert w.view.scene() is w.editor.scene and not changes.isVisible()
    w.editor.scene.select_node("welcome")
    assert w.node_inspector.form.isEnabled()


def test_a_removed_node_is_drawn_where_it_was_and_an_edit_leaves_the_diff(qtbot, tmp_path):
    w, added = two_versions(qtbot, tmp_path)
    w.editor.scene.select_node(added)
    w.editor.delete_selection()
    w.save_now()
    choose(w.history, 2)                                          # one version: against the draft
    click(qtbot, w.history, "compare")
    scene = w.view.scene()
    assert scene.cards[added].mark == "removed" and scene.cards[added].pos() == QPointF(600, 0)   # where it was
    assert [i.mark for i in scene.edges.values() if i.edge.target == added] == ["removed"]
    w.editor.set_label("welcome", "Hello")                        # an edit shows the draft again
    assert w.view.scene() is w.editor.scene


def test_restore_as_draft_brings_an_old_version_back_to_edit(qtbot, tmp_path):
    w, added = two_versions(qtbot, tmp_path)
    choose(w.history, 1)
    click(qtbot, w.history, "restore")
    assert w.editor.journey.node(added) is None
    assert w.editor.journey.node("welcome").config["subject"] == "Welcome! Here's what happens next"
    assert w.workspace.load("welcome-series").node(added) is None             # saved as the draft
    assert row(w.history, "Draft") is not None and "restored" in w.status.text()


def test_cards_show_contacts_still_on_older_versions(qtbot, tmp_path):
    ws = tmp_path / "w.sqlite"
    w = build_window(workspace=str(ws))
    qtbot.addWidget(w)
    # Without the sample's quiet hours: the welcome email goes at any hour the test runs.
    w.editor.set_settings(settings={k: v for k, v in w.editor.journey.settings_raw.items() if k != "quiet_hours"})
    publish_with_note(w, "First")
    events = tmp_path / "signups.jsonl"
    now = datetime.now(timezone.utc).isoformat()
    events.write_text("".join(json.dumps({"contact": e, "type": "signed_up", "at": now}) + "\n"
                              for e in ("ada@lovelace.example", "grace@hopper.example")))
    assert main(["events", str(events), "--workspace", str(ws)]) == 0
    assert main(["run", "--until-idle", "--sync-every", "0", "--workspace", str(ws)]) == 0
    w.editor.set_label("welcome", "Welcome!")
    w.save_now()
    publish_with_note(w, "Second")
    card = w.editor.scene.cards["wait-2d"]
    assert card.older == {1: 2}
    assert "2 contacts here are still on older versions (2 on version 1)" in card.toolTip()
    assert all(c.older is None for i, c in w.editor.scene.cards.items() if i != "wait-2d")
    assert (row(w.history, 1).text(3), row(w.history, 2).text(3)) == ("2", "0")


def test_review_in_the_designer_needs_another_persons_approval(qtbot, tmp_path):
    ws = str(tmp_path / "w.sqlite")
    ada = build_window(workspace=ws)
    qtbot.addWidget(ada)
    ada.workspace.user = "ada"
    ada.show()
    ada.editor.set_settings(settings=dict(ada.editor.journey.settings_raw, review=True))
    ada.save_now()
    publish(ada)
    assert ada.status.text().startswith("welcome-series: not published: review is on")
    assert ada.history.approve_button.isVisible() and not ada.history.approve_button.isEnabled()
    assert row(ada.history, "Draft").text(4) == "awaiting approval"
    assert "awaiting approval by someone other than ada" in ada.history.state.text()

    grace = build_window(workspace=ws)
    qtbot.addWidget(grace)
    grace.workspace.user = "grace"
    grace.show()
    grace.history.refresh()
    click(qtbot, grace.history, "approve")
    assert "approved by grace" in grace.status.text()
    publish(ada)
    assert ada.status.text() == "Published welcome-series version 1"
    assert "(approved by grace)" in row(ada.history, 1).text(2)


def test_a_removed_node_is_moved_clear_of_a_node_added_where_it_was():
    from switchback.canvas.diff_view import merged
    from switchback.runtime import document
    from switchback.runtime.diff import diff as diff_of
    base = {"format": "switchback.journey/1", "key": "k", "name": "K",
            "nodes": [{"id": "all", "kind": "trigger.manual", "config": {}, "position": [0, 0]},
                      {"id": "old", "kind": "action.score", "config": {"add": 1}, "position": [0, 160]}],
            "edges": [{"from": "all", "to": "old"}]}
    before = document.from_dict(base)
    after = document.from_dict(dict(base, nodes=[base["nodes"][0], {"id": "new", "kind": "action.score",
                                                                      "config": {"add": 2}, "position": [0, 160]}],
                                     edges=[{"from": "all", "to": "new"}]))
    shown = merged(before, after, diff_of(before, after))
    assert shown.node("new").position == [0, 160] and shown.node("old").position == [300, 160]
    assert before.node("old").position == [0, 160]                     # the version itself is untouched
