"""The inspector: forms generated from node configs, edited through their widgets as a person would."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QGroupBox, QLabel, QLineEdit, QPushButton,
                               QToolButton, QWidget)

from switchback import nodes
from switchback.canvas.code_editors import ConditionEdit, TemplateEdit
from switchback.canvas.condition_builder import ConditionField
from switchback.canvas.config_form import ConfigForm
from switchback.canvas.inspector import NodeInspector, SettingsInspector
from switchback.runtime.sandbox import Fields
from switchback.runtime.settings import Settings

SHOTS = Path("/tmp")


def make_form(qtbot, kind: str, config: dict) -> tuple[ConfigForm, list[dict]]:
    model = nodes.get(kind).config
    model.model_validate(config)                       # the sample is valid to begin with
    form = ConfigForm(model, config)
    qtbot.addWidget(form)
    form.show()
    seen: list[dict] = []
    form.changed.connect(seen.append)
    return form, seen


def field(parent: QWidget, alias: str, cls: type = QWidget):
    widget = parent.findChild(cls, f"field-{alias}")
    assert widget is not None, f"no {cls.__name__} named field-{alias}"
    return widget


def retype(qtbot, widget, text: str, finish: bool = True) -> None:
    """Select what is there, type over it, press Enter."""
    target = widget.lineEdit() if hasattr(widget, "lineEdit") else widget
    target.selectAll()
    if text:
        qtbot.keyClicks(target, text)
    else:
        qtbot.keyClick(target, Qt.Key.Key_Delete)
    if finish:
        qtbot.keyClick(target, Qt.Key.Key_Return)


def leave(widget: QWidget) -> None:
    """Focus moves elsewhere, as when the user clicks the next field."""
    QApplication.sendEvent(widget, QFocusEvent(QEvent.Type.FocusOut, Qt.FocusReason.MouseFocusReason))


def valid(kind: str, config: dict) -> dict:
    nodes.get(kind).config.model_validate(config)
    return config


def test_wait_delay_keeps_the_duration_as_typed(qtbot):
    form, seen = make_form(qtbot, "wait.delay", {"duration": "2d"})
    edit = field(form, "duration", QLineEdit)
    assert edit.text() == "2d" and edit.placeholderText() == "2d"
    retype(qtbot, edit, "36h")
    assert seen == [valid("wait.delay", {"duration": "36h"})]


def test_an_invalid_duration_shows_why_and_is_kept_as_typed(qtbot):
    form, seen = make_form(qtbot, "wait.delay", {"duration": "2d"})
    edit = field(form, "duration", QLineEdit)
    retype(qtbot, edit, "2x")
    assert seen == [{"duration": "2x"}]               # what was typed reaches the document
    assert "not a duration" in edit.toolTip()
    assert "border" in edit.styleSheet()
    errors = [lab.text() for lab in form.findChildren(QLabel) if lab.isVisible() and "not a duration" in lab.text()]
    assert errors, "the reason is shown under the field, not only in a tooltip"
    retype(qtbot, edit, "0m")                          # a duration, but a wait must be longer than zero
    assert seen[-1] == {"duration": "0m"} and "longer than zero" in edit.toolTip()
    retype(qtbot, edit, "45m")
    assert seen[-1] == {"duration": "45m"} and edit.styleSheet() == ""


def test_wait_event_fields(qtbot):
    form, seen = make_form(qtbot, "wait.event", {"event": "email_clicked", "timeout": "2d"})
    retype(qtbot, field(form, "event", QLineEdit), "page_view")
    where = field(form, "where", ConditionField)
    qtbot.keyClicks(where.input, "event.properties.url == '/pricing'")
    qtbot.keyClick(where.input, Qt.Key.Key_Return)
    retype(qtbot, field(form, "timeout", QLineEdit), "1w")
    assert seen[-1] == valid("wait.event", {"event": "page_view", "where": "event.properties.url == '/pricing'",
                                            "timeout": "1w"})
    assert len(seen) == 3                              # one report per finished edit


def test_condition_checked_as_typed(qtbot):
    form, seen = make_form(qtbot, "branch.if", {"when": "contact.score >= 50"})
    when = field(form, "when", ConditionField)
    assert when.builder is not None and not when.input.isVisible()     # rows first: it can say this one
    when.toggle.click()                                                # Edit as code
    assert when.message.text() == "OK"
    retype(qtbot, when.input, "contact.score >=", finish=False)
    assert "does not compile" in when.message.text() and when.message.isVisible()
    assert seen == []                                  # nothing reported while typing
    qtbot.keyClicks(when.input, " 75")
    assert "does not compile" not in when.message.text() and when.message.text() == "OK"
    qtbot.keyClick(when.input, Qt.Key.Key_Return)
    assert seen == [valid("branch.if", {"when": "contact.score >= 75"})]


def test_condition_completer_offers_contact_fields_and_functions(qtbot):
    edit = ConditionEdit()
    qtbot.addWidget(edit)
    edit.show()
    qtbot.keyClicks(edit.input, "contact.score > 5 and contact.fi")
    assert edit.completer.currentCompletion() == "contact.first_name"
    edit.completer.insert("contact.first_name")
    assert edit.text() == "contact.score > 5 and contact.first_name"
    edit.setText("")
    qtbot.keyClicks(edit.input, "days_")
    edit.completer.insert(edit.completer.currentCompletion())
    assert edit.text() == "days_since()" and edit.input.cursorPosition() == len("days_since(")


def test_switch_cases_add_move_remove(qtbot):
    form, seen = make_form(qtbot, "branch.switch", {"cases": [{"port": "hot", "when": "contact.score >= 80"}]})
    cases = field(form, "cases")
    cases.findChild(QPushButton, "add").click()
    rows = [f for f in cases.forms]
    assert len(rows) == 2 and seen == []               # a blank case is not part of the config yet
    retype(qtbot, field(rows[1], "port", QLineEdit), "warm")
    when = field(rows[1], "when", ConditionField)
    qtbot.keyClicks(when.input, "contact.score >= 40")
    qtbot.keyClick(when.input, Qt.Key.Key_Return)
    assert seen[-1] == valid("branch.switch", {"cases": [{"port": "hot", "when": "contact.score >= 80"},
                                                         {"port": "warm", "when": "contact.score >= 40"}]})
    frames = cases.findChildren(QWidget, "row")
    frames[1].findChild(QToolButton, "row-up").click()
    assert [c["port"] for c in seen[-1]["cases"]] == ["warm", "hot"]
    frames[0].findChild(QToolButton, "row-remove").click()
    assert seen[-1] == valid("branch.switch", {"cases": [{"port": "hot", "when": "contact.score >= 80"}]})
    assert nodes.get("branch.switch").output_ports(nodes.get("branch.switch").config.model_validate(seen[-1])) == \
        ["hot", "else"]


def test_split_weights(qtbot):
    form, seen = make_form(qtbot, "branch.split", {"variants": [{"port": "a", "weight": 50}, {"port": "b", "weight": 50}]})
    variants = field(form, "variants")
    weight = field(variants.forms[1], "weight")
    assert weight.text() == "50"                       # not 50.000
    retype(qtbot, weight, "25")
    assert seen == [valid("branch.split", {"variants": [{"port": "a", "weight": 50}, {"port": "b", "weight": 25}]})]
    retype(qtbot, weight, "0.5")
    assert seen[-1]["variants"][1]["weight"] == 0.5


def test_email_templates_and_alias(qtbot):
    config = {"connector": "smtp", "subject": "Your guide", "body": "Hi"}
    form, seen = make_form(qtbot, "action.email", config)
    subject = field(form, "subject", TemplateEdit)
    retype(qtbot, subject.input, "Your guide, {{ contact.first_name }}")
    assert seen[-1]["subject"] == "Your guide, {{ contact.first_name }}"
    body = field(form, "body", TemplateEdit)
    body.input.selectAll()
    qtbot.keyClicks(body.input, "Hi {{ contact.first_name }},")
    qtbot.keyClick(body.input, Qt.Key.Key_Return)     # a new line in a body, not the end of the edit
    qtbot.keyClicks(body.input, "here it is.")
    assert len(seen) == 1
    leave(body.input)
    assert seen[-1]["body"] == "Hi {{ contact.first_name }},\nhere it is."
    retype(qtbot, field(form, "from", QLineEdit), "news@example.com")
    assert seen[-1] == valid("action.email", {"connector": "smtp", "subject": "Your guide, {{ contact.first_name }}",
                                              "body": "Hi {{ contact.first_name }},\nhere it is.",
                                              "from": "news@example.com"})


def test_template_problem_shown(qtbot):
    form, _ = make_form(qtbot, "action.email", {"connector": "smtp", "subject": "x", "body": "y"})
    body = field(form, "body", TemplateEdit)
    body.input.selectAll()
    qtbot.keyClicks(body.input, "Hi {{ contact.first_name ")
    assert "does not compile" in body.message.text()


def test_template_preview_for_a_contact(qtbot):
    edit = TemplateEdit()
    qtbot.addWidget(edit)
    edit.setText("Hi {{ contact.first_name }}")
    assert not edit.preview.text()
    edit.set_preview({"contact": Fields({"first_name": "Ada"}), "journey": {"key": "k", "name": "K"}})
    assert edit.preview.text() == "Hi Ada"
    edit.setText("Hi {{ contact.first_name | nosuchfilter }}")
    assert "nosuchfilter" in (edit.message.text() + edit.preview.text())


def test_update_set_rows_and_tags(qtbot):
    form, seen = make_form(qtbot, "action.update", {"add_tags": ["vip"]})
    setter = field(form, "set")
    setter.findChild(QPushButton, "add").click()
    key = setter.findChild(QLineEdit, "key")
    value = setter.findChild(TemplateEdit, "value")
    qtbot.keyClicks(key, "lifecycle_stage")
    qtbot.keyClick(key, Qt.Key.Key_Return)
    qtbot.keyClicks(value.input, "lead")
    qtbot.keyClick(value.input, Qt.Key.Key_Return)
    retype(qtbot, field(form, "add_tags", QLineEdit), "vip, hot lead")
    assert seen[-1] == valid("action.update", {"set": {"lifecycle_stage": "lead"}, "add_tags": ["vip", "hot lead"]})
    setter.findChild(QToolButton, "row-remove").click()
    assert seen[-1] == {"add_tags": ["vip", "hot lead"]}


def test_each_new_value_sits_on_the_line_of_its_field_name(qtbot):
    form, _ = make_form(qtbot, "action.update", {"set": {"lifecycle_stage": "customer", "plan": "{{ contact.plan }}"}})
    form.resize(420, 600)
    qtbot.waitExposed(form)
    setter = field(form, "set")
    keys, values = setter.findChildren(QLineEdit, "key"), setter.findChildren(TemplateEdit, "value")
    tops = [(k.mapTo(form, k.rect().topLeft()).y(), v.input.mapTo(form, v.input.rect().topLeft()).y())
            for k, v in zip(keys, values)]
    assert len(tops) == 2 and all(abs(key - value) <= 4 for key, value in tops), tops


def test_assign_owner_rules_pool_capacity(qtbot):
    form, seen = make_form(qtbot, "action.assign_owner", {"pool": ["ann", "bob"]})
    capacity = field(form, "capacity")
    assert capacity.text() == "Not set"
    rules = field(form, "rules")
    rules.findChild(QPushButton, "add").click()
    when = field(rules.forms[0], "when", ConditionField)
    qtbot.keyClicks(when.input, "contact.country == 'DE'")
    qtbot.keyClick(when.input, Qt.Key.Key_Return)
    retype(qtbot, field(rules.forms[0], "owner", QLineEdit), "dieter")
    retype(qtbot, capacity, "25")
    assert seen[-1] == valid("action.assign_owner", {"rules": [{"when": "contact.country == 'DE'", "owner": "dieter"}],
                                                     "pool": ["ann", "bob"], "capacity": 25})
    retype(qtbot, capacity, "")                        # cleared: back to not set
    assert "capacity" not in seen[-1]


def test_trigger_date_offset_and_time(qtbot):
    form, seen = make_form(qtbot, "trigger.date", {"field": "renewal_date"})
    at = field(form, "at", QLineEdit)
    assert at.text() == "09:00"                        # the default, shown but not written
    retype(qtbot, field(form, "offset", QLineEdit), "-7d")
    assert seen[-1] == valid("trigger.date", {"field": "renewal_date", "offset": "-7d"})
    retype(qtbot, at, "25:00")
    assert seen[-1]["at"] == "25:00" and "time of day" in at.toolTip()     # kept as typed, marked
    retype(qtbot, at, "10:30")
    assert seen[-1] == valid("trigger.date", {"field": "renewal_date", "offset": "-7d", "at": "10:30"})


def test_wait_until_weekdays(qtbot):
    form, seen = make_form(qtbot, "wait.until", {"time": "09:00"})
    days = field(form, "weekdays")
    assert [b.text() for b in days.findChildren(QToolButton)] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    qtbot.mouseClick(days.findChild(QToolButton, "weekday-fri"), Qt.MouseButton.LeftButton)
    qtbot.mouseClick(days.findChild(QToolButton, "weekday-mon"), Qt.MouseButton.LeftButton)
    assert seen[-1] == valid("wait.until", {"time": "09:00", "weekdays": ["mon", "fri"]})
    form.set_config({"time": "08:00", "weekdays": ["sat"]})
    assert days.value() == ["sat"] and len(seen) == 2   # set_config shows, it does not report


def test_exit_journeys_all_or_some(qtbot):
    form, seen = make_form(qtbot, "action.exit_journeys", {"journeys": ["webinar"]})
    journeys = field(form, "journeys")
    journeys.findChild(QCheckBox, "all").click()
    assert seen[-1] == valid("action.exit_journeys", {"journeys": "all"})
    assert not journeys.findChild(QLineEdit, "list").isEnabled()


def test_any_value_reads_numbers_and_text(qtbot):
    form, seen = make_form(qtbot, "trigger.field_changed", {"field": "lifecycle_stage"})
    retype(qtbot, field(form, "to", QLineEdit), "customer")
    retype(qtbot, field(form, "from", QLineEdit), "42")
    assert seen[-1] == valid("trigger.field_changed", {"field": "lifecycle_stage", "to": "customer", "from": 42})
    form.set_config({"field": "zip", "to": "42", "from": "02139"})
    assert field(form, "to", QLineEdit).text() == '"42"'          # text that looks like a number stays text
    assert field(form, "from", QLineEdit).text() == "02139"       # (a zip code is not a number anyway)
    retype(qtbot, field(form, "field", QLineEdit), "postcode")
    assert seen[-1] == {"field": "postcode", "to": "42", "from": "02139"}


def test_set_config_after_an_edit_shows_the_older_config_again(qtbot):
    form, seen = make_form(qtbot, "wait.delay", {"duration": "2d"})
    edit = field(form, "duration", QLineEdit)
    retype(qtbot, edit, "3d")
    form.set_config(seen[-1])                          # the document echoes the edit: nothing changes
    assert edit.text() == "3d"
    form.set_config({"duration": "2d"})                # undo
    assert edit.text() == "2d" and len(seen) == 1


def test_literal_choice_and_model_problems(qtbot):
    form, seen = make_form(qtbot, "action.webhook", {"url": "https://example.com/hook"})
    method = field(form, "method", QComboBox)
    assert method.currentText() == "POST"
    method.setCurrentIndex(method.findText("PUT"))
    assert seen[-1] == valid("action.webhook", {"url": "https://example.com/hook", "method": "PUT"})
    retype(qtbot, field(form, "connector", QLineEdit), "crm-hook")
    assert form.problems.isVisible() and "either connector or url" in form.problems.text()


def test_fresh_node_lists_what_is_missing_by_title(qtbot):
    form = ConfigForm(nodes.get("action.email").config, {})
    qtbot.addWidget(form)
    assert "Send with: required" in form.problems.text()
    assert "connector" not in form.problems.text()


def test_node_inspector_signals(qtbot):
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    assert inspector.findChild(QLabel, "inspector-empty").text() == "Select a node to edit it"
    inspector.show_node("thanks", nodes.get("action.email"), {"connector": "smtp", "subject": "Hi", "body": "x"}, None)
    with qtbot.waitSignal(inspector.label_changed) as label:
        retype(qtbot, inspector.findChild(QLineEdit, "node-label"), "Say thanks")
    assert label.args == ["thanks", "Say thanks"]
    with qtbot.waitSignal(inspector.config_changed) as changed:
        retype(qtbot, field(inspector, "connector", QComboBox), "sendgrid")
    assert changed.args == ["thanks", {"connector": "sendgrid", "subject": "Hi", "body": "x"}]
    form = inspector.form
    inspector.show_node("thanks", nodes.get("action.email"), changed.args[1], "Say thanks")
    assert inspector.form is form                      # the echo of our own edit does not rebuild the form
    inspector.clear()
    assert inspector.stack.currentIndex() == 0


def test_switching_nodes_sends_no_edit_to_the_next_node(qtbot):
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    seen: list = []
    inspector.config_changed.connect(lambda *args: seen.append(args))
    inspector.show_node("a", nodes.get("wait.delay"), {"duration": "2d"})
    edit = field(inspector, "duration", QLineEdit)
    edit.setFocus()
    qtbot.keyClicks(edit, "0")                          # typing, not finished
    inspector.show_node("b", nodes.get("wait.delay"), {"duration": "1h"})
    assert all(node != "b" for node, _ in seen)
    assert field(inspector.form, "duration", QLineEdit).text() == "1h"


def test_node_inspector_preview_picks_a_contact(qtbot):
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_node("thanks", nodes.get("action.email"),
                        {"connector": "smtp", "subject": "Hi {{ contact.first_name }}", "body": "{{ journey.name }}"})
    inspector.set_preview_contacts([{"email": "ada@example.com", "first_name": "Ada"},
                                    {"email": "bo@example.com", "first_name": "Bo"}], {"key": "k", "name": "Ebook"})
    picker = inspector.findChild(QComboBox, "preview-contact")
    assert picker.isVisible() and picker.currentText() == "ada@example.com"
    assert field(inspector, "subject", TemplateEdit).preview.text() == "Hi Ada"
    assert field(inspector, "body", TemplateEdit).preview.text() == "Ebook"
    picker.setCurrentIndex(2)
    assert field(inspector, "subject", TemplateEdit).preview.text() == "Hi Bo"


def test_settings_inspector(qtbot):
    settings = SettingsInspector()
    qtbot.addWidget(settings)
    settings.show()
    settings.set_settings("Ebook nurture", "Thank, wait, branch.", {"priority": 50, "reentry": "never"}, "ebook")
    seen: list[dict] = []
    settings.settings_changed.connect(seen.append)
    quiet = settings.findChild(QGroupBox, "field-quiet_hours")
    quiet.setChecked(True)
    retype(qtbot, field(quiet, "start", QLineEdit), "20:00")
    retype(qtbot, field(quiet, "end", QLineEdit), "08:00")
    reentry = field(settings, "reentry", QComboBox)
    reentry.setCurrentIndex(2)
    retype(qtbot, settings.findChild(QLineEdit, "after"), "30d")
    Settings.model_validate(seen[-1])
    assert seen[-1] == {"priority": 50, "reentry": "after:30d", "quiet_hours": {"start": "20:00", "end": "08:00"}}
    quiet.setChecked(False)
    assert "quiet_hours" not in seen[-1]
    with qtbot.waitSignal(settings.name_changed) as name:
        retype(qtbot, settings.findChild(QLineEdit, "journey-name"), "Ebook follow-up")
    assert name.args == ["Ebook follow-up"]


def test_every_kind_builds_a_form(qtbot):
    for kind in nodes.kinds():
        form = ConfigForm(kind.config, {})
        qtbot.addWidget(form)
        for spec in form.specs:
            widget = form.findChild(QWidget, f"field-{spec.key}")
            assert widget is not None and widget.accessibleName() == spec.title, (kind.name, spec.key)


@pytest.mark.parametrize("name, build", [
    ("email", lambda: _node("action.email", {"connector": "smtp", "subject": "Your guide, {{ contact.first_name }}",
                                             "body": "Hi {{ contact.first_name }},\nhere is your guide."})),
    ("switch", lambda: _node("branch.switch", {"cases": [{"port": "hot", "when": "contact.score >= 80"},
                                                         {"port": "warm", "when": "contact.score >="}]})),
    ("settings", lambda: _settings()),
])
def test_screenshots(qtbot, name, build):
    widget = build()
    qtbot.addWidget(widget)
    widget.resize(360, 700)
    widget.show()
    QApplication.processEvents()
    image = widget.grab()
    assert not image.isNull()
    image.save(str(SHOTS / f"inspector-{name}.png"))


def _node(kind: str, config: dict) -> NodeInspector:
    inspector = NodeInspector()
    inspector.set_preview_contacts([{"email": "ada@example.com", "first_name": "Ada"}])
    inspector.show_node("n1", nodes.get(kind), config, None)
    return inspector


def _settings() -> SettingsInspector:
    settings = SettingsInspector()
    settings.set_settings("Ebook nurture", "Thank, wait, branch on engagement.",
                          {"priority": 50, "reentry": "after:30d", "exit_when": "contact.lifecycle_stage == 'customer'",
                           "quiet_hours": {"start": "20:00", "end": "08:00"}, "suppresses": ["webinar-followup"]},
                          "ebook-nurture")
    return settings


def test_a_condition_built_from_rows_with_nothing_typed_as_code(qtbot):
    """Clicked the email in the last 7 days, and country is any of DE, FR: picked and filled, no code."""
    from switchback.canvas.condition_builder import AN_EVENT, RuleRow
    from switchback.runtime.condition_form import Rule
    form, seen = make_form(qtbot, "branch.if", {"when": "contact.score >= 50"})
    when = field(form, "when", ConditionField)
    assert [r.rule() for r in when.builder.items] == [Rule("score", "at least", 50)]
    next(w for w in when.builder.items[0].findChildren(QWidget) if getattr(w, "text", lambda: "")() == "×").click()
    assert when.builder.items == []
    when.builder.findChild(QWidget, "add-condition").click()
    first = when.builder.items[0]
    first.subject.setCurrentText(AN_EVENT)
    assert first.op.currentText() == "did" and not first.event_type.isHidden() and first.value.isHidden()
    first.event_type.setCurrentText("email_clicked")
    first.within.setText("7d")
    first.within.editingFinished.emit()
    when.builder.findChild(QWidget, "add-condition").click()
    second = when.builder.items[1]
    second.subject.setCurrentText("country")
    second.op.setCurrentText("is any of")
    second.value.setText("DE, FR")
    second.value.editingFinished.emit()
    assert seen[-1] == valid("branch.if", {"when": "events('email_clicked', within='7d') >= 1 and contact.country in ['DE', 'FR']"})
    next(w for w in second.findChildren(QWidget) if getattr(w, "text", lambda: "")() == "×").click()
    assert seen[-1] == {"when": "events('email_clicked', within='7d') >= 1"}
    assert isinstance(when.builder.items[0], RuleRow) and len(when.builder.items) == 1


def test_a_condition_the_rows_cannot_say_opens_as_code_and_says_why(qtbot):
    form, seen = make_form(qtbot, "branch.if", {"when": "contact.score + 10 > 50"})
    when = field(form, "when", ConditionField)
    assert when.builder is None and when.input.isVisible() and when.input.text() == "contact.score + 10 > 50"
    assert "rows cannot show this condition" in when.why.text() and not when.toggle.isEnabled()
    retype(qtbot, when.input, "contact.country == 'DE'")
    assert seen[-1] == {"when": "contact.country == 'DE'"}
    assert when.toggle.isEnabled()
    when.toggle.click()                                   # Edit as rows
    assert when.builder is not None and when.builder.items[0].rule().subject == "country"


def test_an_html_body_is_previewed_as_a_mail_program_draws_it(qtbot):
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_node("thanks", nodes.get("action.email"), {
        "connector": "smtp", "subject": "Hi", "body": "Hi {{ contact.first_name }}",
        "html": "<h1>Hello {{ contact.first_name }}</h1><p>Your <b>guide</b> <img src='https://tracker.example/x.gif'></p>"})
    inspector.set_preview_contacts([{"email": "ada@example.com", "first_name": "Ada"}], {"key": "k", "name": "K"})
    html = field(inspector, "html", TemplateEdit)
    assert html.page.isVisible()
    assert html.page.toPlainText().replace("\ufffc", "").split() == ["Hello", "Ada", "Your", "guide"]  # drawn, not markup
    assert html.input.height() >= 6 * html.input.fontMetrics().lineSpacing()       # a body gets room to write


def test_names_are_picked_from_the_workspace_not_typed(qtbot):
    """Send with, events, fields and journeys offer what the workspace has; a connector can be added from there."""
    from switchback.canvas.config_form import ADD_CONNECTOR
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.set_choices({"connector:email": ["mailer", "sendgrid-eu"], "connector:sms": ["twilio"],
                           "event": ["email_clicked", "form_submitted"], "field": ["country", "renewal_date"]})
    inspector.show_node("thanks", nodes.get("action.email"), {"connector": "mailer", "subject": "Hi", "body": "x"}, None)
    send_with = field(inspector, "connector", QComboBox)
    assert [send_with.itemText(i) for i in range(send_with.count())] == ["mailer", "sendgrid-eu", ADD_CONNECTOR]
    with qtbot.waitSignal(inspector.config_changed) as changed:
        send_with.setCurrentIndex(1)
        send_with.activated.emit(1)                               # as a click on the list does
    assert changed.args[1]["connector"] == "sendgrid-eu"
    with qtbot.waitSignal(inspector.add_connector):
        send_with.setCurrentIndex(2)
        send_with.activated.emit(2)
    assert send_with.currentText() == "sendgrid-eu"               # "Add a connector…" is not a name
    inspector.show_node("wait", nodes.get("wait.event"), {"event": "email_clicked", "timeout": "2d"}, None)
    event = field(inspector, "event", QComboBox)
    assert [event.itemText(i) for i in range(event.count())] == ["email_clicked", "form_submitted"]
