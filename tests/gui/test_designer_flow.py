"""What a marketer does, through the widgets: drag nodes from the palette, connect them, edit them in
the inspector, undo and redo every step, save, close, reopen; publish only once nothing is wrong."""
import json

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QMessageBox, QWidget
from sqlalchemy import func, select

from switchback.app.designer import build_window
from switchback.canvas.scene import KIND_MIME
from switchback.runtime.store.models import JourneyVersion
from tests.gui.publishing import publish


@pytest.fixture
def window(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.create_from(None)                                # File > New journey > Blank journey
    w.view.set_zoom(0.6)
    w.view.centerOn(QPointF(300, 400))
    return w


def drop_kind(w, kind: str, scene_pos: QPointF) -> str:
    """Drop a palette item onto the canvas, as a drag from the palette ends."""
    before = set(w.editor.scene.cards)
    mime = QMimeData()
    mime.setData(KIND_MIME, kind.encode())
    port = w.view.viewport()
    at = QPointF(w.view.mapFromScene(scene_pos))
    for cls in (QDragEnterEvent, QDragMoveEvent):
        ev = cls(at.toPoint(), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
        QApplication.sendEvent(port, ev)
    QApplication.sendEvent(port, QDropEvent(at, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier))
    QApplication.processEvents()                     # the scene acts once the drop event is over
    added = set(w.editor.scene.cards) - before
    assert len(added) == 1, f"dropping {kind} added {added}"
    return added.pop()


def connect(qtbot, w, source: str, port: str, target: str) -> None:
    """Drag from an output port to another node's card."""
    scene = w.editor.scene
    start = w.view.mapFromScene(scene.cards[source].ports[port].scenePos())
    end = w.view.mapFromScene(scene.cards[target].sceneBoundingRect().center())
    vp = w.view.viewport()
    qtbot.mousePress(vp, Qt.LeftButton, pos=start)
    qtbot.mouseMove(vp, pos=(start + end) / 2)
    qtbot.mouseMove(vp, pos=end)
    qtbot.mouseRelease(vp, Qt.LeftButton, pos=end)
    QApplication.processEvents()


def pick(qtbot, w, node_id: str) -> None:
    card = w.editor.scene.cards[node_id]
    at = w.view.mapFromScene(card.sceneBoundingRect().topLeft() + QPointF(120, 55))
    qtbot.mouseClick(w.view.viewport(), Qt.LeftButton, pos=at)
    QApplication.processEvents()
    assert w.node_inspector.isVisible() and w._inspected == node_id


def type_into(qtbot, w, field: str, text: str) -> None:
    shown = [b for b in w.node_inspector.findChildren(QWidget, f"field-{field}") if b.isVisible()]
    assert len(shown) == 1, f"no editor for {field}"
    box = getattr(shown[0], "input", shown[0])  # condition and template editors wrap a text box
    if isinstance(box, QComboBox):                # a picker: typed into its line
        box = box.lineEdit()
    box.setFocus()
    box.selectAll()
    qtbot.keyClicks(box, text)
    qtbot.keyClick(box, Qt.Key_Return)           # Enter finishes a one-line field


def test_a_marketer_builds_a_journey_undoes_redoes_saves_and_reopens_it(qtbot, window, tmp_path):
    w = window
    key = w.editor.journey.key
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    wait = drop_kind(w, "wait.delay", QPointF(200, 180))
    branch = drop_kind(w, "branch.if", QPointF(200, 360))
    email = drop_kind(w, "action.email", QPointF(0, 560))
    score = drop_kind(w, "action.score", QPointF(400, 560))
    connect(qtbot, w, trigger, "next", wait)
    connect(qtbot, w, wait, "next", branch)
    connect(qtbot, w, branch, "yes", email)
    connect(qtbot, w, branch, "no", score)
    assert {(e.source, e.port, e.target) for e in w.editor.journey.edges} == {
        (trigger, None, wait), (wait, None, branch), (branch, "yes", email), (branch, "no", score)}

    pick(qtbot, w, trigger)
    type_into(qtbot, w, "event", "demo_requested")
    pick(qtbot, w, wait)
    type_into(qtbot, w, "duration", "3d")
    pick(qtbot, w, email)
    type_into(qtbot, w, "connector", "sendgrid")
    qtbot.mouseClick(w.view.viewport(), Qt.LeftButton, pos=QPoint(5, 5))     # click the empty canvas

    built = json.loads(w.editor.journey.dumps())
    nodes = {n["id"]: n for n in built["nodes"]}
    assert nodes[trigger]["config"]["event"] == "demo_requested"
    assert nodes[wait]["config"]["duration"] == "3d"
    assert nodes[email]["config"]["connector"] == "sendgrid"
    assert w.editor.problems == []

    steps = w.editor.undo.count()
    assert steps >= 12                    # five drops, four connections, three edits (moves may add more)
    for _ in range(steps):
        w.undo_action.trigger()
    assert w.editor.journey.nodes == [] and w.editor.journey.edges == []
    for _ in range(steps):
        w.redo_action.trigger()
    assert json.loads(w.editor.journey.dumps()) == built

    w.close()                                          # saves
    again = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(again)
    again.open_key(key)
    assert json.loads(again.editor.journey.dumps()) == built


def published_versions(w) -> int:
    with w.workspace.store.session() as s:
        return s.scalar(select(func.count(JourneyVersion.id)).where(JourneyVersion.key == w.editor.journey.key))


def test_publish_is_refused_while_a_problem_exists_and_allowed_once_fixed(qtbot, window):
    w = window
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    email = drop_kind(w, "action.email", QPointF(200, 200))
    connect(qtbot, w, trigger, "next", email)
    pick(qtbot, w, email)
    type_into(qtbot, w, "subject", " {{ contact.first_name")          # a template that cannot compile
    assert any("does not compile" in p.message for p in w.editor.problems)
    assert w.problems.count() >= 1 and "does not compile" in w.problems.item(0).text()

    publish(w)
    qtbot.waitUntil(lambda: isinstance(getattr(w, "notice", None), QMessageBox) and w.notice.isVisible())
    assert "problem" in w.notice.text() and "does not compile" in w.notice.text()
    w.notice.close()
    assert published_versions(w) == 0

    w.problems.itemClicked.emit(w.problems.item(0))                     # clicking a problem selects its node
    assert [c.node_id for c in w.editor.scene.selected_cards()] == [email]
    type_into(qtbot, w, "subject", "Hello {{ contact.first_name }}")
    assert w.editor.problems == []
    publish(w)
    assert published_versions(w) == 1
    assert "Published" in w.status.text()


def test_publish_asks_first_and_says_what_goes_live(qtbot, window):
    """Publishing starts messages going to real people: the designer says so and waits for a yes."""
    w = window
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    email = drop_kind(w, "action.email", QPointF(200, 200))
    connect(qtbot, w, trigger, "next", email)
    w.publish_action.trigger()
    box = w.confirm_publish
    assert box.isVisible() and box.text() == f"Publish “{w.editor.journey.name}”?"
    assert box.informativeText().startswith("Version 1 goes live now")
    assert "enter it, and its 1 message step sends to them." in box.informativeText()
    box.button(QMessageBox.Cancel).click()
    assert published_versions(w) == 0 and not w.status.text().startswith("Published")

    publish(w)
    assert published_versions(w) == 1 and "Published" in w.status.text()
    w.publish_action.trigger()
    assert w.confirm_publish.informativeText().startswith("Version 2 goes live now")
    w.confirm_publish.button(QMessageBox.Cancel).click()
    assert published_versions(w) == 1


def test_splice_copy_paste_duplicate_and_delete_are_undoable(qtbot, window):
    w = window
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    email = drop_kind(w, "action.email", QPointF(200, 400))
    connect(qtbot, w, trigger, "next", email)
    edge = w.editor.journey.edges[0]
    middle = w.editor.scene.edges[id(edge)].path().pointAtPercent(0.5)
    wait = drop_kind(w, "wait.delay", middle + QPointF(0, 38))           # dropped onto the connection
    assert {(e.source, e.target) for e in w.editor.journey.edges} == {(trigger, wait), (wait, email)}
    w.undo_action.trigger()
    assert {(e.source, e.target) for e in w.editor.journey.edges} == {(trigger, email)}
    w.redo_action.trigger()

    w.editor.scene.clearSelection()
    for node_id in (wait, email):
        w.editor.scene.cards[node_id].setSelected(True)
    w.findChild(type(w.undo_action), "copy").trigger()
    w.findChild(type(w.undo_action), "paste").trigger()
    kinds = sorted(n.kind for n in w.editor.journey.nodes)
    assert kinds == ["action.email", "action.email", "trigger.event", "wait.delay", "wait.delay"]
    pasted = [c.node_id for c in w.editor.scene.selected_cards()]
    assert len(pasted) == 2 and not {wait, email} & set(pasted)
    assert any(e.source in pasted and e.target in pasted for e in w.editor.journey.edges)   # their edge came along
    w.findChild(type(w.undo_action), "duplicate").trigger()
    assert len(w.editor.journey.nodes) == 7
    w.findChild(type(w.undo_action), "delete").trigger()
    assert len(w.editor.journey.nodes) == 5
    for _ in range(3):
        w.undo_action.trigger()
    assert len(w.editor.journey.nodes) == 3 and len(w.editor.journey.edges) == 2


def test_a_duration_typed_wrong_is_kept_shown_as_a_problem_and_blocks_publish(qtbot, window):
    """Typing `2 days` into a Wait used to leave `1d` in the journey and publish it."""
    w = window
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    wait = drop_kind(w, "wait.delay", QPointF(200, 200))
    connect(qtbot, w, trigger, "next", wait)
    pick(qtbot, w, wait)
    type_into(qtbot, w, "duration", "2 days")
    assert w.editor.journey.node(wait).config["duration"] == "2 days"     # as typed, not the old 1d
    assert w.editor.scene.cards[wait].summary != "Wait 1 day"
    assert any(p.where == wait and "not a duration" in p.message for p in w.editor.problems)
    assert any(w.problems.item(i).text().startswith("Wait: ") and "not a duration" in w.problems.item(i).text()
               for i in range(w.problems.count()))                        # named as the card is, not by id
    publish(w)
    qtbot.waitUntil(lambda: isinstance(getattr(w, "notice", None), QMessageBox) and w.notice.isVisible())
    assert "not a duration" in w.notice.text()
    w.notice.close()
    assert published_versions(w) == 0
    type_into(qtbot, w, "duration", "2d")
    assert w.editor.problems == []
    publish(w)
    assert published_versions(w) == 1


@pytest.mark.parametrize("words, kinds", [
    ("click", {"wait.event"}), ("opened", {"wait.event"}), ("form", {"trigger.event"}),
    ("goal", {"wait.event"}), ("stop", {"exit"}), ("ab test", {"branch.split"}),
    ("condition", {"branch.if", "branch.switch"}),
])
def test_the_palette_finds_nodes_by_the_words_marketers_use(qtbot, words, kinds):
    from switchback.app.palette import Palette
    palette = Palette()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, words)
    assert kinds <= set(palette.visible_kinds())


def test_a_misspelled_field_is_a_problem_that_names_the_field_meant(qtbot, window):
    """`{{ contact.frist_name }}` used to preview as "Welcome " and publish without a word."""
    w = window
    trigger = drop_kind(w, "trigger.event", QPointF(200, 0))
    email = drop_kind(w, "action.email", QPointF(200, 200))
    connect(qtbot, w, trigger, "next", email)
    pick(qtbot, w, email)
    type_into(qtbot, w, "subject", "Welcome {{ contact.frist_name }}")
    texts = [w.problems.item(i).text() for i in range(w.problems.count())]
    assert any("no contact has the field frist_name (did you mean first_name?)" in t for t in texts)
    publish(w)
    qtbot.waitUntil(lambda: isinstance(getattr(w, "notice", None), QMessageBox) and w.notice.isVisible())
    w.notice.close()
    assert published_versions(w) == 0
