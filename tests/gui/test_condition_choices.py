"""A condition's rows offer the workspace's own fields and events — a CSV column, a CRM property, an
event a site sent — wherever a condition is written: a branch's `when`, a trigger's `where`, an
owner rule, and the journey's exit and goal."""
from PySide6.QtWidgets import QComboBox

from switchback.app.designer import build_window
from switchback.canvas.condition_builder import ConditionField
from switchback.nodes import declared as K
from switchback.runtime.document import Node
from tests.support.cli import sw


def offered(field: ConditionField) -> tuple[list[str], list[str]]:
    field.builder.findChild(QComboBox, "rule-subject")
    if not field.builder.items:
        field.builder.findChild(type(field.toggle), "add-condition").click()
    row = field.builder.items[0]
    return ([row.subject.itemText(i) for i in range(row.subject.count())],
            [row.event_type.itemText(i) for i in range(row.event_type.count())])


def conditions(widget) -> list[ConditionField]:
    return [f for f in widget.findChildren(ConditionField) if f.isVisibleTo(widget)]


def test_rows_offer_the_workspaces_fields_and_events_in_every_condition(qtbot, tmp_path):
    ws = tmp_path / "w.sqlite"
    w = build_window(workspace=str(ws))                              # makes the sample workspace
    w.close()
    (tmp_path / "people.csv").write_text("email,first_name,plan_tier\nzoe@shop.test,Zoe,gold\n")
    (tmp_path / "events.jsonl").write_text('{"contact": "zoe@shop.test", "type": "webinar_attended", '
                                           '"at": "2026-03-02T09:00:00Z"}\n')
    assert sw("import", tmp_path / "people.csv", "--workspace", ws)[0] == 0
    assert sw("events", tmp_path / "events.jsonl", "--workspace", ws)[0] == 0
    w = build_window(workspace=str(ws))
    qtbot.addWidget(w)
    w.show()
    for kind, config in ((K.IF.name, {"when": "contact.score >= 50"}),
                         (K.ASSIGN_OWNER.name, {"rules": [{"when": "contact.country == 'DE'", "owner": "a@x.test"}]}),
                         (K.EVENT.name, {"event": "form_submitted", "where": "contact.country == 'DE'"})):
        w.editor.model.add_node(Node(id=f"n-{kind}", kind=kind, config=config, position=[900, 900]))
        w.editor.scene.select_node(f"n-{kind}")
        fields = conditions(w.node_inspector)
        assert fields, kind
        names, events = offered(fields[0])
        assert "plan_tier" in names and "first_name" in names, kind
        assert "webinar_attended" in events and "email_clicked" in events, kind
    w.inspector_tabs.setCurrentWidget(w.settings_inspector)
    settings = w.settings_inspector.form
    for name in ("exit_when", "goal"):
        field = next(f for f in settings.findChildren(ConditionField) if settings.editors[name].isAncestorOf(f))
        names, events = offered(field)
        assert "plan_tier" in names and "webinar_attended" in events, name


def test_a_date_is_before_or_after_a_day_picked_in_rows(qtbot):
    field = ConditionField(fields=["renewal_date", "country"])
    qtbot.addWidget(field)
    field.show()
    edited = []
    field.edited.connect(edited.append)
    field.builder.findChild(type(field.toggle), "add-condition").click()
    row = field.builder.items[0]
    row.subject.setCurrentText("renewal_date")
    assert "is before" in [row.op.itemText(i) for i in range(row.op.count())]
    row.op.setCurrentText("is before")
    assert not row.value.isHidden() and row.value.placeholderText() == "2026-12-31"
    row.value.setText("2026-12-31")
    row.value.editingFinished.emit()
    assert edited[-1] == "contact.renewal_date < '2026-12-31'"
    field.setText("contact.renewal_date > '2027-01-01'")               # opens as rows again
    assert field.builder.items[0].op.currentText() == "is after" and field.builder.items[0].value.text() == "2027-01-01"


def test_a_fields_type_chooses_the_operators_offered(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))           # the sample contacts
    qtbot.addWidget(w)
    w.show()
    w.editor.model.add_node(Node(id="if", kind=K.IF.name, config={"when": "contact.score >= 50"}, position=[900, 900]))
    w.editor.scene.select_node("if")
    row = conditions(w.node_inspector)[0].builder.items[0]
    ops = lambda: [row.op.itemText(i) for i in range(row.op.count())]
    assert row.op.currentText() == "at least" and "contains" not in ops() and "less than" in ops()   # score: a number
    row.subject.setCurrentText("renewal_date")
    assert ops()[:2] == ["is before", "is after"] and "at least" not in ops()
    row.subject.setCurrentText("tags")
    assert ops()[:2] == ["has tag", "does not have tag"]
    row.subject.setCurrentText("company")
    assert "contains" in ops() and "greater than" not in ops()


def test_owners_are_picked_from_the_workspace(qtbot, tmp_path):
    ws = tmp_path / "w.sqlite"
    w = build_window(workspace=str(ws))
    w.close()
    (tmp_path / "people.csv").write_text("email,owner\nzoe@shop.test,sam@shop.test\nyan@shop.test,kim@shop.test\n")
    assert sw("import", tmp_path / "people.csv", "--workspace", ws)[0] == 0
    w = build_window(workspace=str(ws))
    qtbot.addWidget(w)
    w.show()
    w.editor.model.add_node(Node(id="assign", kind=K.ASSIGN_OWNER.name, position=[900, 900],
                                 config={"rules": [{"when": "contact.country == 'DE'", "owner": "sam@shop.test"}]}))
    w.editor.scene.select_node("assign")
    owner = next(c for c in w.node_inspector.findChildren(QComboBox, "field-owner") if c.isVisibleTo(w.node_inspector))
    assert [owner.itemText(i) for i in range(owner.count())] == ["kim@shop.test", "sam@shop.test"]
    assert owner.currentText() == "sam@shop.test" and owner.isEditable()          # or a new one, typed
    w.editor.model.add_node(Node(id="tell", kind=K.NOTIFY.name, position=[900, 1200],
                                 config={"to": "owner", "connector": "slack", "subject": "Hi", "body": "Hi"}))
    w.editor.scene.select_node("tell")
    to = next(c for c in w.node_inspector.findChildren(QComboBox, "field-to") if c.isVisibleTo(w.node_inspector))
    assert [to.itemText(i) for i in range(to.count())] == ["owner", "kim@shop.test", "sam@shop.test"]
