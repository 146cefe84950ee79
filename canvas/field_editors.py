"""The editor of one field of a generated form, chosen by the field's type: text, number, check
box, a pick from the workspace's names, a choice, code (a condition or a template), a short list,
weekdays, the re-entry rule; `value()` is JSON-ready, or UNSET when the user left the field empty."""
from __future__ import annotations

import json
from typing import Any, get_args

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QHBoxLayout, QLineEdit, QPushButton,
                               QSpinBox, QToolButton, QVBoxLayout, QWidget)

from switchback.canvas.code_editors import TemplateEdit, colour
from switchback.canvas.condition_builder import ConditionField, field_kinds
from switchback.canvas.field_spec import UNSET, FieldSpec, rich_help
from switchback.nodes.localtime import WEEKDAYS


class FieldEditor(QWidget):
    """One field's editor. `value()` is JSON-ready, or UNSET when the user left the field empty."""
    committed = Signal()
    problem_changed = Signal(str)
    labelled_inside = False             # shows its own title (a check box, a group box)
    help: str | None = None             # replaces the field's description when the editor explains itself

    def __init__(self, spec: FieldSpec):
        super().__init__()
        self.spec = spec
        self.box = QVBoxLayout(self)
        self.box.setContentsMargins(0, 0, 0, 0)
        self.box.setSpacing(4)
        self.input: QWidget = self
        self._problem: str | None = None

    def _named(self, widget: QWidget) -> QWidget:
        widget.setObjectName(f"field-{self.spec.key}")
        widget.setAccessibleName(self.spec.title)
        widget.setAccessibleDescription(self.spec.description)
        if self.spec.description:
            widget.setToolTip(rich_help(self.spec.description))
        self.input = widget
        return widget

    def value(self) -> Any:
        raise NotImplementedError

    def set_value(self, value: Any) -> None:
        raise NotImplementedError

    def problem(self) -> str | None:
        return self._problem

    def set_preview(self, names: dict[str, Any] | None) -> None:
        pass

    def has_templates(self) -> bool:
        return False

    def _set_problem(self, problem: str | None, widget: QLineEdit | None = None) -> None:
        """A red border and the reason (also as tooltip) while the value is not of its type."""
        widget = widget or self.input
        if problem == self._problem:
            return
        self._problem = problem
        widget.setStyleSheet(f"QLineEdit {{ border: 1px solid {colour('problem')}; border-radius: 3px; padding: 2px; }}"
                             if problem else "")
        widget.setToolTip(problem or rich_help(self.spec.description))
        self.problem_changed.emit(problem or "")


class TextEditor(FieldEditor):
    """A line of text: names, keys, addresses; durations and times of day checked as typed."""

    def __init__(self, spec: FieldSpec, placeholder: str = ""):
        super().__init__(spec)
        self.edit = self._named(QLineEdit())
        self.edit.setPlaceholderText(placeholder)
        self.box.addWidget(self.edit)
        self.edit.textChanged.connect(self._check)
        self.edit.editingFinished.connect(self.committed)

    def value(self) -> Any:
        text = self.edit.text().strip()
        return _scalar(text) if self.spec.core is Any and text else text

    def set_value(self, value: Any) -> None:
        self.edit.setText("" if value is UNSET or value is None else
                          value if isinstance(value, str) and _scalar(value) == value else json.dumps(value))

    def _check(self) -> None:
        value = self.value()
        self._set_problem(self.spec.check(value) if value != "" else None)


def _scalar(text: str) -> Any:
    """What a person means by a value typed into a field of any type: `42` a number, `true` a
    boolean, `"42"` the text 42, anything else the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (str, int, float, bool)) else text


class _NoWheel:
    """Scrolling the inspector must not change the number or choice under the pointer."""

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class _IntBox(_NoWheel, QSpinBox):
    def validate(self, text: str, pos: int) -> object:
        return QValidator.State.Acceptable if not text.strip() else super().validate(text, pos)

    def valueFromText(self, text: str) -> int:  # noqa: N802
        return self.minimum() if not text.strip() else super().valueFromText(text)


class _FloatBox(_NoWheel, QDoubleSpinBox):
    def validate(self, text: str, pos: int) -> object:
        return QValidator.State.Acceptable if not text.strip() else super().validate(text, pos)

    def valueFromText(self, text: str) -> float:  # noqa: N802
        return self.minimum() if not text.strip() else super().valueFromText(text)

    def textFromValue(self, value: float) -> str:  # noqa: N802
        return f"{value:g}"


def _bound(constraint: Any, name: str, shift: float, otherwise: float) -> float:
    value = getattr(constraint, name, None)
    return otherwise if value is None else value + shift


class NoWheelCombo(_NoWheel, QComboBox):
    pass


class NumberEditor(FieldEditor):
    """A spin box within the field's bounds. A field that may be left out has a "Not set" value
    at the bottom (clear the text to get it), so a fresh node never claims a number nobody chose."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        whole = spec.core is int
        self.spin = self._named(_IntBox() if whole else _FloatBox())
        step = 1 if whole else 0.001
        if not whole:
            self.spin.setDecimals(3)
        low, high = -1_000_000_000, 1_000_000_000
        for m in spec.metadata:
            low = _bound(m, "gt", step, _bound(m, "ge", 0, low))
            high = _bound(m, "lt", -step, _bound(m, "le", 0, high))
        self.unsettable = spec.nullable or spec.required
        self.spin.setRange(low - step if self.unsettable else low, high)
        if self.unsettable:
            self.spin.setSpecialValueText("Not set")
        self.spin.setKeyboardTracking(False)
        self.spin.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.spin.setMaximumWidth(160)
        self.box.addWidget(self.spin)
        self.spin.valueChanged.connect(self.committed)

    def value(self) -> Any:
        v = self.spin.value()
        if self.unsettable and v == self.spin.minimum():
            return UNSET
        return int(v) if isinstance(v, float) and v.is_integer() else v

    def set_value(self, value: Any) -> None:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        self.spin.setValue(value if number else self.spin.minimum())


class BoolEditor(FieldEditor):
    labelled_inside = True

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        self.check = self._named(QCheckBox(spec.title))
        self.box.addWidget(self.check)
        self.check.toggled.connect(self.committed)

    def value(self) -> Any:
        return self.check.isChecked()

    def set_value(self, value: Any) -> None:
        self.check.setChecked(value is True)


ADD_CONNECTOR = "Add a connector…"


class PickerEditor(FieldEditor):
    """A name of something in the workspace — a connector that sends on the node's channel, an
    event type, a journey, a contact field — picked from what the workspace has, or typed."""
    add_connector = Signal()

    def __init__(self, spec: FieldSpec, choices: list[str]):
        super().__init__(spec)
        self.combo = self._named(NoWheelCombo())
        self.combo.setEditable(True)
        self.combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.combo.addItems(choices)
        self._adds = (spec.picks or "").startswith("connector")
        if self._adds:
            self.combo.addItem(ADD_CONNECTOR)
        self.combo.lineEdit().setPlaceholderText("Pick one, or type a name")
        self._shown = ""
        self.box.addWidget(self.combo)
        self.combo.activated.connect(self._picked)
        self.combo.lineEdit().editingFinished.connect(self.committed)

    def _picked(self, index: int) -> None:
        if self._adds and self.combo.itemText(index) == ADD_CONNECTOR:
            self.combo.setEditText(self._shown)          # not a name: open the connectors instead
            self.add_connector.emit()
            return
        self._shown = self.combo.currentText()
        self.committed.emit()

    def value(self) -> Any:
        return self.combo.currentText().strip()

    def set_value(self, value: Any) -> None:
        self._shown = "" if value is UNSET or value is None else str(value)
        self.combo.setEditText(self._shown)


class ChoiceEditor(FieldEditor):
    """One of a Literal's values."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        self.options: list[Any] = ([None] if spec.nullable else []) + list(get_args(spec.core))
        self.combo = self._named(NoWheelCombo())
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for option in self.options:
            self.combo.addItem("Not set" if option is None else str(option))
        self.combo.setMaximumWidth(220)
        self.box.addWidget(self.combo)
        self.combo.currentIndexChanged.connect(self.committed)

    def value(self) -> Any:
        option = self.options[self.combo.currentIndex()]
        return UNSET if option is None else option

    def set_value(self, value: Any) -> None:
        self.combo.setCurrentIndex(self.options.index(value) if value in self.options else 0)


class CodeEditor(FieldEditor):
    """A condition or a template, in the editors of code_editors.py."""

    def __init__(self, spec: FieldSpec, choices: dict[str, list[str]] | None = None):
        """`choices`: the workspace's names; a condition's rows offer its fields and events."""
        super().__init__(spec)
        choices = choices or {}
        editor = (ConditionField(fields=choices.get("field"), events=choices.get("event"), kinds=field_kinds(choices))
                  if spec.role == "condition"
                  else TemplateEdit(lines=spec.lines, role=spec.role, html=spec.shows == "html"))
        self.code = self._named(editor)
        self.code.input.setAccessibleName(spec.title)
        self.box.addWidget(self.code)
        self.code.edited.connect(self.committed)

    def value(self) -> Any:
        text = self.code.text()
        return text if text.strip() else ""

    def set_value(self, value: Any) -> None:
        self.code.setText(value if isinstance(value, str) else "")

    def set_preview(self, names: dict[str, Any] | None) -> None:
        if isinstance(self.code, TemplateEdit):
            self.code.set_preview(names)

    def has_templates(self) -> bool:
        return isinstance(self.code, TemplateEdit)


def _words(text: str) -> list[str]:
    return [w.strip() for w in text.split(",") if w.strip()]


class ListEditor(FieldEditor):
    """A few short names (tags, journey keys, owners), separated by commas."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        self.edit = self._named(QLineEdit())
        self.edit.setPlaceholderText("Separate with commas")
        self.box.addWidget(self.edit)
        self.edit.editingFinished.connect(self.committed)

    def value(self) -> Any:
        return _words(self.edit.text())

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        self.edit.setText(", ".join(str(v) for v in items))


class AllOrListEditor(ListEditor):
    """`list[str] | Literal["all"]`: a check box for all, else the list."""
    help = "The keys of the journeys to take the contact out of, or all of them."

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        self.edit.setObjectName("list")
        self.all = QCheckBox((spec.shows or "").removeprefix("all:") or "All")
        self.all.setObjectName("all")
        self.box.insertWidget(0, self.all)
        self._named(self)
        self.all.toggled.connect(self._toggled)

    def _toggled(self, checked: bool) -> None:
        self.edit.setEnabled(not checked)
        self.committed.emit()

    def value(self) -> Any:
        return "all" if self.all.isChecked() else super().value()

    def set_value(self, value: Any) -> None:
        self.all.setChecked(value == "all")
        self.edit.setEnabled(value != "all")
        super().set_value([] if value == "all" else value)


class WeekdaysEditor(FieldEditor):
    """Seven toggles, Mon to Sun: quicker to read and click than typed day names."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        row = QHBoxLayout()
        row.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for day in WEEKDAYS:
            b = QToolButton()
            b.setText(day.capitalize())
            b.setObjectName(f"weekday-{day}")
            b.setAccessibleName(day.capitalize())
            b.setCheckable(True)
            b.setMinimumWidth(38)
            b.toggled.connect(self.committed)
            row.addWidget(b)
            self.buttons[day] = b
        row.addStretch()
        self.box.addLayout(row)
        self._named(self)
        self.setStyleSheet(  # the platform's checked tool button is too faint to read as "on"
            "QToolButton { border: 1px solid palette(mid); border-radius: 4px; padding: 3px 4px;"
            " background: palette(base); }"
            "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
            " border-color: palette(highlight); }")

    def value(self) -> Any:
        return [d for d, b in self.buttons.items() if b.isChecked()]

    def set_value(self, value: Any) -> None:
        chosen = value if isinstance(value, list) else []
        for day, b in self.buttons.items():
            b.setChecked(day in chosen)


def small_button(text: str, tip: str, name: str) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setToolTip(tip)
    b.setAccessibleName(tip)
    b.setObjectName(name)
    b.setAutoRaise(True)
    return b


class RowListEditor(FieldEditor):
    """Rows stacked above an "+ Add ..." button; subclasses say what a row is."""

    def __init__(self, spec: FieldSpec, add: str, spacing: int):
        super().__init__(spec)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(spacing)
        self.box.addLayout(self.rows)
        self.add = QPushButton(f"+ Add {add}")
        self.add.setObjectName("add")
        self.add.clicked.connect(self._append)
        self.box.addWidget(self.add, alignment=Qt.AlignmentFlag.AlignLeft)
        self._named(self)
        self._preview: dict[str, Any] | None = None

    def _append(self) -> None:
        raise NotImplementedError


class ReentryEditor(FieldEditor):
    """The settings' `reentry` (never, always, after:<duration>) as a choice and a duration,
    so nobody has to learn the `after:30d` spelling."""
    help = "Whether a contact that has been through this journey may enter it again, and how soon."
    _CHOICES = [("never", "Never"), ("always", "Always"), ("after", "Again after a while")]

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        row = QHBoxLayout()
        self.combo = self._named(NoWheelCombo())
        self.combo.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        for _, text in self._CHOICES:
            self.combo.addItem(text)
        self.after = QLineEdit()
        self.after.setObjectName("after")
        self.after.setAccessibleName("Re-entry delay")
        self.after.setPlaceholderText("30d")
        self.after.setMaximumWidth(90)
        row.addWidget(self.combo)
        row.addWidget(self.after)
        row.addStretch()
        self.box.addLayout(row)
        self.combo.currentIndexChanged.connect(self._chosen)
        self.after.textChanged.connect(self._check)
        self.after.editingFinished.connect(self.committed)

    def _chosen(self) -> None:
        self.after.setVisible(self.combo.currentIndex() == 2)
        self._check()
        self.committed.emit()

    def _check(self) -> None:
        after = self.combo.currentIndex() == 2
        self._set_problem(self.spec.check(self.value()) if after else None, self.after)

    def value(self) -> Any:
        choice = self._CHOICES[self.combo.currentIndex()][0]
        return f"after:{self.after.text().strip()}" if choice == "after" else choice

    def set_value(self, value: Any) -> None:
        text = value if isinstance(value, str) else "never"
        after = text.startswith("after:")
        self.after.setText(text[6:] if after else "")
        self.combo.setCurrentIndex(2 if after else 1 if text == "always" else 0)
        self.after.setVisible(after)
        self._check()
