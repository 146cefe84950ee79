"""Two designers on one workspace: the second save of a stale draft is refused, saying who changed
it and when, and nothing is overwritten."""
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QMessageBox

from switchback.app.designer import build_window
from tests.gui.publishing import publish


def test_a_stale_draft_is_refused_with_who_and_when(qtbot, tmp_path):
    ws = str(tmp_path / "shared.sqlite")
    anna = build_window(workspace=ws)
    qtbot.addWidget(anna)
    ben = build_window(workspace=ws)
    qtbot.addWidget(ben)
    ben.workspace.user = "ben"
    anna.workspace.user = "anna"
    key = anna.editor.journey.key
    assert ben.editor.journey.key == key

    anna.editor.add_node("action.score", QPointF(600, 0))
    anna.save_now()
    ben.editor.add_node("wait.delay", QPointF(600, 300))
    ben.save_now()
    assert isinstance(ben.notice, QMessageBox) and ben.notice.isVisible()
    assert "anna changed this journey at" in ben.notice.text()
    assert "Not saved" in ben.status.text()
    saved = anna.workspace.load(key)
    assert any(n.kind == "action.score" for n in saved.nodes)
    assert not any(n.kind == "wait.delay" and n.position == [600, 300] for n in saved.nodes)


def test_the_journeys_list_says_when_a_published_journey_was_edited_since(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    assert w.journeys.item(0).text() == "Welcome series\ndraft"
    publish(w)
    assert w.journeys.item(0).text() == "Welcome series\npublished v1"
    w.editor.add_node("action.score", QPointF(600, 0))
    w.save_now()
    assert w.journeys.item(0).text() == "Welcome series\npublished v1, edited since"
