"""A condition as rows a marketer fills in: field, operator, value — joined by all or any, with
groups inside groups — beside the condition's code, which stays one click away. The rows write
and read SPEC conditions through runtime/condition_form; a condition the rows cannot say opens
as code, with the reason shown."""
from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox,
                               QVBoxLayout, QWidget)

from switchback.canvas.code_editors import STANDARD_FIELDS, ConditionEdit, note_label, set_note
from switchback.runtime.condition_form import BY_KIND, OPERATORS, Group, Rule, parse, render

AN_EVENT = "an event"                 # the subject of "did EVENT at least N times"
EVENTS = ["email_opened", "email_clicked", "form_submitted", "page_view", "signed_up", "order_completed"]
_NUMBER = re.compile(r"-?(0|[1-9]\d*)(\.\d+)?")


def typed(text: str) -> Any:
    """A value as a person means it: 42 a number, true a yes, anything else (02139 too) text."""
    text = text.strip()
    if _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    return {"true": True, "false": False}.get(text, text)


def shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(shown(v) for v in value)
    return "" if value is None else str(value)


class RuleRow(QWidget):
    changed = Signal()
    removed = Signal(object)

    def __init__(self, rule: Rule, fields: list[str], parent: QWidget | None = None, events: list[str] | None = None,
                 kinds: dict[str, str] | None = None):
        super().__init__(parent)
        self.kinds = kinds or {}
        self.subject = QComboBox()
        self.subject.setEditable(True)
        self.subject.setObjectName("rule-subject")
        self.subject.addItems(fields + [AN_EVENT])
        self.op = QComboBox()
        self.op.setObjectName("rule-operator")
        self.value = QLineEdit()
        self.value.setObjectName("rule-value")
        self.event_type = QComboBox()
        self.event_type.setEditable(True)
        self.event_type.setObjectName("rule-event")
        self.event_type.addItems(events or EVENTS)
        self.times = QSpinBox(minimum=1, maximum=999, prefix="≥ ", suffix="×")
        self.times.setToolTip("At least this many times")
        self.within = QLineEdit()
        self.within.setPlaceholderText("in 7d / ever")
        self.within.setToolTip("Within this time (such as 7d), or leave empty for ever")
        self.within.setMaximumWidth(110)
        remove = QPushButton("×")
        remove.setToolTip("Remove this condition")
        remove.setFixedWidth(28)
        remove.clicked.connect(lambda: self.removed.emit(self))
        # Two lines, so a row fits the inspector's width: what and how, then the value.
        for combo in (self.subject, self.op, self.event_type):
            combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(6)
        top, bottom = QHBoxLayout(), QHBoxLayout()
        top.addWidget(self.subject, 3)
        top.addWidget(self.op, 2)
        top.addWidget(remove)
        for w in (self.value, self.event_type, self.times, self.within):
            bottom.addWidget(w, 1 if w in (self.value, self.event_type) else 0)
        rows = QVBoxLayout(self)
        rows.setContentsMargins(0, 0, 0, 6)
        rows.setSpacing(2)
        rows.addLayout(top)
        rows.addLayout(bottom)
        self._load(rule)
        self.subject.currentTextChanged.connect(self._subject_changed)
        self.op.currentTextChanged.connect(lambda _: (self._show_value(), self.changed.emit()))
        for edit in (self.value, self.within):
            edit.editingFinished.connect(self.changed)
        self.event_type.currentTextChanged.connect(lambda _: self.changed.emit())
        self.times.valueChanged.connect(lambda _: self.changed.emit())

    def _load(self, rule: Rule) -> None:
        if rule.op == "did":
            self.subject.setCurrentText(AN_EVENT)
            self.event_type.setCurrentText(rule.subject)
            self.times.setValue(int(rule.value or 1))
            self.within.setText(rule.within or "")
        else:
            self.subject.setCurrentText(rule.subject)
            self.value.setText(shown(rule.value))
        self._fill_operators(rule.op)

    def _fill_operators(self, op: str | None = None) -> None:
        self.op.blockSignals(True)
        self.op.clear()
        if self.subject.currentText() == AN_EVENT:
            self.op.addItem("did")
        else:
            offered = list(BY_KIND.get(self.kinds.get(self.subject.currentText().strip(), ""), ()))
            offered = offered or [o for o in OPERATORS if o != "did"]          # a field of unknown type: all
            if op and op != "did" and op not in offered:
                offered.append(op)                  # what the condition says stays, whatever the type
            self.op.addItems(offered)
        self.op.setCurrentText(op or self.op.itemText(0))
        self.op.blockSignals(False)
        self._show_value()

    def _subject_changed(self, _: str) -> None:
        was = self.op.currentText()
        kind = self.kinds.get(self.subject.currentText().strip())
        keep = (was == "did") == (self.subject.currentText() == AN_EVENT) and (kind is None or was in BY_KIND[kind])
        self._fill_operators(was if keep else None)
        self.changed.emit()

    def _show_value(self) -> None:
        takes = OPERATORS.get(self.op.currentText(), "one")
        self.value.setVisible(takes in ("one", "list", "number", "date"))
        self.value.setPlaceholderText({"list": "DE, FR", "number": "50", "date": "2026-12-31"}.get(takes, "value"))
        for w in (self.event_type, self.times, self.within):
            w.setVisible(takes == "event")

    def rule(self) -> Rule:
        op = self.op.currentText()
        if op == "did":
            return Rule(self.event_type.currentText().strip(), op, self.times.value(), self.within.text().strip() or None)
        takes = OPERATORS.get(op, "one")
        text = self.value.text()
        if takes == "list":
            value: Any = [typed(v) for v in text.split(",") if v.strip()]
        elif takes == "none":
            value = None
        elif takes == "date":
            value = text.strip()                   # 2026 alone is a year, not a number
        else:
            value = typed(text)
        return Rule(self.subject.currentText().strip(), op, value)


class GroupBox(QFrame):
    """`Match all|any of:` and its rows; a group inside a group is drawn indented, framed."""
    changed = Signal()
    removed = Signal(object)

    def __init__(self, group: Group, fields: list[str], nested: bool = False, parent: QWidget | None = None,
                 events: list[str] | None = None, kinds: dict[str, str] | None = None):
        super().__init__(parent)
        self.fields, self.events, self.kinds = fields, events, kinds
        if nested:
            self.setFrameShape(QFrame.StyledPanel)
        self.join = QComboBox()
        self.join.setObjectName("group-join")
        self.join.addItems(["all", "any"])
        self.join.setCurrentText(group.join)
        self.join.currentTextChanged.connect(lambda _: self.changed.emit())
        head = QHBoxLayout()
        head.addWidget(QLabel("Match"))
        head.addWidget(self.join)
        head.addWidget(QLabel("of these:"))
        head.addStretch()
        if nested:
            remove = QPushButton("×")
            remove.setToolTip("Remove this group")
            remove.setFixedWidth(28)
            remove.clicked.connect(lambda: self.removed.emit(self))
            head.addWidget(remove)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(4)
        add = QPushButton("+ Condition")
        add.setObjectName("add-condition")
        add.clicked.connect(lambda: self.add(Rule(fields[0] if fields else "country", "is", "")))
        add_group = QPushButton("+ Group")
        add_group.setObjectName("add-group")
        add_group.clicked.connect(lambda: self.add(Group("any", [Rule(fields[0] if fields else "country", "is", "")])))
        foot = QHBoxLayout()
        foot.addWidget(add)
        foot.addWidget(add_group)
        foot.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8 if nested else 0, 4, 4 if nested else 0, 4)
        layout.addLayout(head)
        layout.addLayout(self.rows)
        layout.addLayout(foot)
        self.items: list[RuleRow | GroupBox] = []
        for item in group.items:
            self.add(item, announce=False)

    def add(self, item: Rule | Group, announce: bool = True) -> None:
        widget = (RuleRow(item, self.fields, events=self.events, kinds=self.kinds) if isinstance(item, Rule)
                  else GroupBox(item, self.fields, nested=True, events=self.events, kinds=self.kinds))
        widget.changed.connect(self.changed)
        widget.removed.connect(self._remove)
        self.items.append(widget)
        self.rows.addWidget(widget)
        if announce and isinstance(item, Group):   # a new row is announced once it has a value
            self.changed.emit()

    def _remove(self, widget: QWidget) -> None:
        self.items.remove(widget)
        widget.setParent(None)
        widget.deleteLater()
        self.changed.emit()

    def group(self) -> Group:
        return Group(self.join.currentText(), [w.rule() if isinstance(w, RuleRow) else w.group() for w in self.items])


def field_kinds(choices: dict[str, list[str]]) -> dict[str, str]:
    """The workspace's typed fields (`field:number`, ... in its names), field -> type."""
    return {f: kind for kind in ("number", "date", "list", "text") for f in choices.get(f"field:{kind}", [])}


class ConditionField(QWidget):
    """The condition of a field: rows when they can say it, else its code; "Edit as code" and
    "Edit as rows" switch. `input` is the code's line, as ConditionEdit has it."""
    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None, fields: list[str] | None = None, events: list[str] | None = None,
                 kinds: dict[str, str] | None = None):
        """`fields` and `events`: the workspace's, offered in the rows (the standard ones without);
        `kinds`: field -> number, date, list or text, which chooses the operators offered."""
        super().__init__(parent)
        self.fields = list(fields or STANDARD_FIELDS)
        self.events = list(events or EVENTS)
        self.kinds = dict(kinds or {})
        self.code = ConditionEdit()
        self.input = self.code.input
        self.message = self.code.message
        self.why = note_label()
        self.toggle = QPushButton("Edit as code")
        self.toggle.setObjectName("condition-toggle")
        self.toggle.setFlat(True)
        self.toggle.setCursor(Qt.PointingHandCursor)
        self.toggle.clicked.connect(self._toggle)
        self.builder: GroupBox | None = None
        self.rows_box = QVBoxLayout()
        self.rows_box.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(self.rows_box)
        layout.addWidget(self.code)
        layout.addWidget(self.why)
        layout.addWidget(self.toggle, 0, Qt.AlignLeft)
        self.code.edited.connect(self._code_edited)
        self.code.input.textChanged.connect(self._code_typed)
        self._as_code = False
        self._text = ""
        self._show(parse(""))

    # the ConditionEdit interface, which the form and the tests use
    def text(self) -> str:
        return self._text if not self._as_code else self.code.text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        self._text = text
        self.code.setText(text)
        rows = parse(text)
        self._show(rows if not self._as_code or rows is None else None, reason=rows is None)

    def problem(self) -> str | None:
        return self.code.problem()

    def _show(self, rows: Group | None, reason: bool = False) -> None:
        """Rows for `rows`; the code when None (with why, if the rows cannot say it)."""
        if self.builder is not None:
            self.builder.setParent(None)
            self.builder.deleteLater()
            self.builder = None
        if rows is not None:
            self.builder = GroupBox(rows, self.fields, events=self.events, kinds=self.kinds)
            self.builder.setObjectName("condition-rows")
            self.builder.changed.connect(self._rows_edited)
            self.rows_box.addWidget(self.builder)
        self._as_code = rows is None
        self.code.setVisible(self._as_code)
        self.toggle.setText("Edit as rows" if self._as_code else "Edit as code")
        can = parse(self.code.text()) is not None
        self.toggle.setEnabled(not self._as_code or can)
        set_note(self.why, "The rows cannot show this condition (it uses arithmetic, a function or another "
                 "comparison they do not offer); edit it as code." if self._as_code and reason and not can else "")

    def _toggle(self) -> None:
        if self._as_code:
            rows = parse(self.code.text())
            if rows is not None:
                self._show(rows)
        else:
            self._show(None)

    def _rows_edited(self) -> None:
        text = render(self.builder.group()) if self.builder else ""
        if text != self._text:
            self._text = text
            self.code.setText(text)
            self.edited.emit(text)

    def _code_typed(self, text: str) -> None:
        if self._as_code:
            can = parse(text) is not None
            self.toggle.setEnabled(can)
            if can:
                set_note(self.why, "")

    def _code_edited(self, text: str) -> None:
        self._text = text
        self.edited.emit(text)
