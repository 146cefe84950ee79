"""The journey a marketer asked for, built from scratch through the widgets with no expression typed:
a form submitted starts it, an email thanks them, two days pass, and a branch asks "clicked the email,
and country is any of DE, FR?" with condition rows. The file it saves equals one written by hand."""
import json

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QWidget

from switchback.app.cli import main
from switchback.canvas.condition_builder import AN_EVENT, ConditionField
from switchback.app.designer import build_window
from tests.gui.test_designer_flow import connect, drop_kind, pick, type_into
from tests.gui.publishing import publish

BY_HAND = {
    "trigger": {"kind": "trigger.event", "config": {"event": "form_submitted"}},
    "thanks": {"kind": "action.email", "config": {"connector": "mail", "subject": "Your ebook",
                                                 "body": "Thanks for downloading, {{ contact.first_name }}."}},
    "two-days": {"kind": "wait.delay", "config": {"duration": "2d"}},
    "engaged": {"kind": "branch.if", "config": {
        "when": "events('email_clicked', within='2d') >= 1 and contact.country in ['DE', 'FR']"}},
    "hot": {"kind": "action.score", "config": {"add": 20}},
}
EDGES = [("trigger", None, "thanks"), ("thanks", None, "two-days"), ("two-days", None, "engaged"),
         ("engaged", "yes", "hot")]


def choose(w, field: str, text: str) -> None:
    """Pick an entry of a picker's list, as a click on it does."""
    combo = next(b for b in w.node_inspector.findChildren(QComboBox, f"field-{field}") if b.isVisible())
    index = combo.findText(text)
    assert index >= 0, f"{text} is not offered for {field}: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    QApplication.processEvents()


def condition(w) -> ConditionField:
    return next(b for b in w.node_inspector.findChildren(ConditionField, "field-when") if b.isVisible())


def test_the_why_journey_built_with_no_expression_typed_equals_the_file_written_by_hand(qtbot, tmp_path):
    assert main(["connector", "add", "mail", "--kind", "smtp", "--set", "host=mail.example.com", "--set",
                 "from=news@example.com", "--workspace", str(tmp_path / "w.sqlite")]) == 0
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    w.create_from(None)                                # File › New journey › Blank journey
    w.view.set_zoom(0.6)
    w.view.centerOn(QPointF(300, 400))
    ids = {"trigger": drop_kind(w, "trigger.event", QPointF(200, 0)),
           "thanks": drop_kind(w, "action.email", QPointF(200, 180)),
           "two-days": drop_kind(w, "wait.delay", QPointF(200, 360)),
           "engaged": drop_kind(w, "branch.if", QPointF(200, 540)),
           "hot": drop_kind(w, "action.score", QPointF(0, 740))}
    for source, port, target in EDGES:
        connect(qtbot, w, ids[source], port or "next", ids[target])

    pick(qtbot, w, ids["trigger"])
    choose(w, "event", "form_submitted")
    pick(qtbot, w, ids["thanks"])
    choose(w, "connector", "mail")
    type_into(qtbot, w, "subject", "Your ebook")
    body = next(b for b in w.node_inspector.findChildren(QWidget, "field-body") if b.isVisible()).input
    body.setFocus()
    body.selectAll()                                   # over the starter text
    qtbot.keyClicks(body, "Thanks for downloading, {{ contact.first_name }}.")   # no Enter: a body takes lines
    pick(qtbot, w, ids["two-days"])
    type_into(qtbot, w, "duration", "2d")
    pick(qtbot, w, ids["engaged"])
    when = condition(w)
    for item in list(when.builder.items):                 # the starter rule goes: this one is built from rows
        next(b for b in item.findChildren(QWidget) if getattr(b, "text", lambda: "")() == "×").click()
    when.builder.findChild(QWidget, "add-condition").click()
    clicked = when.builder.items[0]
    clicked.subject.setCurrentText(AN_EVENT)
    clicked.event_type.setCurrentIndex(clicked.event_type.findText("email_clicked"))
    clicked.within.setText("2d")
    clicked.within.editingFinished.emit()
    when.builder.findChild(QWidget, "add-condition").click()
    country = when.builder.items[1]
    country.subject.setCurrentIndex(country.subject.findText("country"))
    country.op.setCurrentIndex(country.op.findText("is any of"))
    country.value.setText("DE, FR")
    country.value.editingFinished.emit()
    assert not when.input.isVisible()                     # the rows, never the code view
    pick(qtbot, w, ids["hot"])
    type_into(qtbot, w, "add", "20")
    qtbot.mouseClick(w.view.viewport(), Qt.LeftButton, pos=QPoint(5, 5))
    assert w.editor.problems == []

    built = json.loads(w.editor.journey.dumps())
    name = {v: k for k, v in ids.items()}
    got = {name[n["id"]]: {"kind": n["kind"], "config": n["config"]} for n in built["nodes"]}
    assert got == BY_HAND
    assert sorted((name[e["from"]], e.get("port"), name[e["to"]]) for e in built["edges"]) == sorted(
        EDGES, key=lambda e: (e[0], e[1] or "", e[2]))


def test_a_drafts_key_follows_its_name_until_it_is_published(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    w.create_from(None)
    assert w.editor.journey.key == "new-journey"
    name = w.settings_inspector.name
    name.setFocus()
    name.selectAll()
    qtbot.keyClicks(name, "Spring sale")
    qtbot.keyClick(name, Qt.Key_Return)
    assert w.editor.journey.key == "spring-sale" and w.settings_inspector.key.text() == "Key: spring-sale"
    keys = {j.key for j in w.workspace.journeys()}
    assert "spring-sale" in keys and "new-journey" not in keys
    w.undo_action.trigger()                                # the name back, and the key with it
    assert (w.editor.journey.name, w.editor.journey.key) == ("New journey", "new-journey")
    w.redo_action.trigger()
    trigger = drop_kind(w, "trigger.manual", QPointF(200, 0))
    score = drop_kind(w, "action.score", QPointF(200, 200))
    connect(qtbot, w, trigger, "next", score)
    publish(w)
    assert w.workspace.journeys()[0].published == 1
    name.selectAll()
    qtbot.keyClicks(name, "Summer sale")
    qtbot.keyClick(name, Qt.Key_Return)
    assert (w.editor.journey.name, w.editor.journey.key) == ("Summer sale", "spring-sale")   # published: kept
