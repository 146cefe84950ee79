"""Forms generated from a pydantic model: a node kind's config, or the journey's settings.

A kind declares its config once (DESIGN.md, "One node kind, one place"); the form reads the field
types, titles, descriptions and constraints from it, so a new kind needs no form code.

The form reports the raw config (JSON-ready, keys by alias, the user's strings as typed: `2d`
stays `2d`) when the user finishes an edit. A value that is not of its field's type (the duration
`2x`) is shown in red and not reported, since the document would only hold garbage; a condition
that does not compile is reported, because the validator lists it and the user's text must not be
lost when they select another node.

For tests and screen readers, the widget one types into or clicks carries objectName
`field-<alias>` and the field's title as accessible name; composite editors (rows, weekdays, a
settings group) carry them on their container.
"""
from __future__ import annotations

import copy
import html
import json
import re
import types
from dataclasses import dataclass
from typing import Any, Callable, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator, QWheelEvent
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout,
                               QLabel, QLineEdit, QPushButton, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from switchback.canvas.code_editors import TemplateEdit, colour, note_label, set_note
from switchback.canvas.condition_builder import ConditionField
from switchback.nodes.durations import Duration, Offset, TimeOfDay
from switchback.nodes.fields import dict_values_role, picks_of, role_of
from switchback.nodes.localtime import WEEKDAYS

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()
_TEXT_FORMATS = [(get_args(Duration)[1], "2d"), (get_args(Offset)[1], "-1d"), (get_args(TimeOfDay)[1], "09:00")]
_LONG_TEXT = {"body", "html"}          # templates that get a few lines; the rest are one line
_ALL_LABEL = "All other journeys"      # the one `list[str] | Literal["all"]` field is exit_journeys'


# --- what a field is ---------------------------------------------------------------------------
@dataclass
class FieldSpec:
    """A pydantic field, read once: what the editors and the form need of it."""
    name: str
    key: str                                   # as in the file (the alias: `from`)
    title: str
    description: str
    required: bool
    default: Any                               # UNSET when required
    core: Any                                  # the annotation without Optional and Annotated
    metadata: list[Any]
    nullable: bool
    role: str | None                           # condition, template, json-template
    picks: str | None                          # what the value names: connector:email, event, journey, field
    check: Callable[[Any], str | None]         # the field's own validation, for live feedback

    @property
    def lines(self) -> int:
        return 8 if self.name in _LONG_TEXT else 4 if self.role == "json-template" else 1


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(core annotation, Annotated metadata, whether None is allowed)."""
    meta: list[Any] = []
    nullable = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            annotation = args[0]
    if hasattr(annotation, "__metadata__"):
        meta, annotation = list(annotation.__metadata__), get_args(annotation)[0]
    return annotation, meta, nullable


def field_spec(model: type[BaseModel], name: str, field: FieldInfo) -> FieldSpec:
    core, meta, nullable = _unwrap(field.annotation)
    key = field.alias or name
    required = field.is_required()
    return FieldSpec(
        name=name, key=key, title=field.title or name.replace("_", " ").capitalize(),
        description=field.description or "", required=required,
        default=UNSET if required else field.get_default(call_default_factory=True),
        core=core, metadata=list(field.metadata) + meta, nullable=nullable, role=role_of(field), picks=picks_of(field),
        check=_field_check(model, key))


def _field_check(model: type[BaseModel], key: str) -> Callable[[Any], str | None]:
    """The model's verdict on this one field's value (its type, constraints and field validators)."""
    def check(value: Any) -> str | None:
        try:
            model.model_validate({key: value})
        except ValidationError as e:
            for err in e.errors():
                if err["loc"][:1] == (key,):
                    return _reason(err)
        return None
    return check


def _reason(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required"
    if kind == "too_short":
        return f"add at least {ctx.get('min_length')}"
    text = err["msg"].removeprefix("Value error, ")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _submodel(annotation: Any) -> type[BaseModel] | None:
    core, _, _ = _unwrap(annotation)
    if get_origin(core) is list:
        core = get_args(core)[0]
    return core if isinstance(core, type) and issubclass(core, BaseModel) else None


def _field_by_key(model: type[BaseModel], key: Any) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def explain(model: type[BaseModel], err: Any) -> str:
    """One validation error as a marketer reads it: `Case 2 › Condition: required`."""
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        return f"'{loc[-1]}' is not a known setting; editing here removes it"
    parts: list[str] = []
    current: type[BaseModel] | None = model
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{_singular(parts[-1])} {item + 1}"
            continue
        field = _field_by_key(current, item) if current else None
        if field is None:
            continue                                   # a union member's tag, such as `list[str]`
        parts.append(field.title or str(item))
        current = _submodel(field.annotation)
    reason = _reason(err)
    return f"{' › '.join(parts)}: {reason}" if parts else reason[:1].upper() + reason[1:]


def _singular(title: str) -> str:
    return title[:-1] if title.endswith("s") else title


def rich_help(text: str) -> str:
    """Help text as shown: `code` in a fixed font, everything else escaped."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))


# --- editors -----------------------------------------------------------------------------------
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

    def __init__(self, spec: FieldSpec):
        super().__init__(spec)
        editor = (ConditionField() if spec.role == "condition"
                  else TemplateEdit(lines=spec.lines, role=spec.role, html=spec.name == "html"))
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
        self.all = QCheckBox(_ALL_LABEL)
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


def _small_button(text: str, tip: str, name: str) -> QToolButton:
    b = QToolButton()
    b.setText(text)
    b.setToolTip(tip)
    b.setAccessibleName(tip)
    b.setObjectName(name)
    b.setAutoRaise(True)
    return b


class _RowListEditor(FieldEditor):
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


class RowsEditor(_RowListEditor):
    """A list of small records (switch cases, split variants, owner rules): a framed row each, a
    nested form inside, and buttons to add, remove and reorder, since order decides who wins."""

    def __init__(self, spec: FieldSpec, item: type[BaseModel]):
        noun = _singular(spec.title)
        super().__init__(spec, noun.lower(), spacing=6)
        self.item, self.noun = item, noun
        self.forms: list[ConfigForm] = []
        self.frames: list[QFrame] = []

    def _new_row(self) -> None:
        index = len(self.forms)
        frame = QFrame()
        frame.setObjectName("row")
        frame.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(8, 4, 8, 8)
        layout.setSpacing(2)
        head = QHBoxLayout()
        title = QLabel()
        title.setObjectName("row-title")
        head.addWidget(title)
        head.addStretch()
        for text, tip, name, slot in (("↑", "Move up", "row-up", lambda: self._move(index, -1)),
                                      ("↓", "Move down", "row-down", lambda: self._move(index, 1)),
                                      ("✕", f"Remove this {self.noun.lower()}", "row-remove",
                                       lambda: self._remove(index))):
            b = _small_button(text, tip, name)
            b.clicked.connect(slot)
            head.addWidget(b)
        layout.addLayout(head)
        form = ConfigForm(self.item, {}, compact=True)
        form.set_preview(self._preview)
        form.changed.connect(self.committed)
        layout.addWidget(form)
        self.rows.addWidget(frame)
        self.forms.append(form)
        self.frames.append(frame)

    def _set_rows(self, configs: list[dict[str, Any]]) -> None:
        while len(self.forms) < len(configs):
            self._new_row()
        while len(self.forms) > len(configs):         # later, not now: a row's own button may be asking
            self.forms.pop()
            self.frames.pop().deleteLater()
        for i, (form, frame, config) in enumerate(zip(self.forms, self.frames, configs)):
            form.set_config(config)
            frame.findChild(QLabel, "row-title").setText(f"<b>{self.noun} {i + 1}</b>")
            frame.findChild(QToolButton, "row-up").setEnabled(i > 0)
            frame.findChild(QToolButton, "row-down").setEnabled(i < len(configs) - 1)

    def _append(self) -> None:
        """A blank row is not reported until something is typed into it (see value())."""
        self._set_rows(self._rows() + [{}])
        self.forms[-1].focus_first()

    def _move(self, index: int, step: int) -> None:
        configs = self._rows()
        other = index + step
        if 0 <= other < len(configs):
            configs[index], configs[other] = configs[other], configs[index]
            self._set_rows(configs)
            self.committed.emit()

    def _remove(self, index: int) -> None:
        configs = self._rows()
        del configs[index]
        self._set_rows(configs)
        self.committed.emit()

    def _rows(self) -> list[dict[str, Any]]:
        return [form.config() for form in self.forms]

    def value(self) -> Any:
        """Rows with something in them: a blank one just added is not part of the config yet."""
        return [row for row in self._rows() if row]

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, list) else []
        self._set_rows([item if isinstance(item, dict) else {} for item in items])

    def problem(self) -> str | None:
        for i, form in enumerate(self.forms):
            if problem := form.problem():
                return f"{self.noun} {i + 1} › {problem}"
        return None

    def set_preview(self, names: dict[str, Any] | None) -> None:
        self._preview = names
        for form in self.forms:
            form.set_preview(names)


class KeyValueEditor(_RowListEditor):
    """`{field: template}` (action.update's `set`): a field name and its new value on each row."""

    def __init__(self, spec: FieldSpec):
        super().__init__(spec, "field", spacing=4)
        self.pairs: list[tuple[QLineEdit, TemplateEdit, QWidget]] = []

    def _new_row(self) -> None:
        row = QWidget()
        layout = QHBoxLayout(row)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        key = QLineEdit()
        key.setObjectName("key")
        key.setPlaceholderText("field")
        key.setAccessibleName("Field name")
        value = TemplateEdit(lines=1)
        value.setObjectName("value")
        value.input.setAccessibleName("New value")
        value.set_preview(self._preview)
        remove = _small_button("✕", "Remove this field", "row-remove")
        remove.clicked.connect(lambda: self._remove(row))
        layout.addWidget(key, 2, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(QLabel("="), 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(value, 3, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(remove, 0, Qt.AlignmentFlag.AlignTop)
        key.editingFinished.connect(self.committed)
        value.edited.connect(self.committed)
        self.rows.addWidget(row)
        self.pairs.append((key, value, row))

    def _items(self) -> list[tuple[str, str]]:
        return [(k.text(), v.text()) for k, v, _ in self.pairs]

    def _set_items(self, items: list[tuple[str, str]]) -> None:
        while len(self.pairs) < len(items):
            self._new_row()
        while len(self.pairs) > len(items):
            self.pairs.pop()[2].deleteLater()
        for (key, value, _), (k, v) in zip(self.pairs, items):
            key.setText(k)
            value.setText(v)

    def _append(self) -> None:
        self._set_items(self._items() + [("", "")])
        self.pairs[-1][0].setFocus()

    def _remove(self, row: QWidget) -> None:
        items = self._items()
        del items[next(i for i, p in enumerate(self.pairs) if p[2] is row)]
        self._set_items(items)
        self.committed.emit()

    def value(self) -> Any:
        return {k.strip(): v for k, v in self._items() if k.strip()}

    def set_value(self, value: Any) -> None:
        items = value if isinstance(value, dict) else {}
        self._set_items([(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in items.items()])

    def set_preview(self, names: dict[str, Any] | None) -> None:
        self._preview = names
        for _, value, _ in self.pairs:
            value.set_preview(names)

    def has_templates(self) -> bool:
        return True


class GroupEditor(FieldEditor):
    """A nested record (quiet hours, a frequency cap): a group box whose check box turns it on."""
    labelled_inside = True

    def __init__(self, spec: FieldSpec, item: type[BaseModel]):
        super().__init__(spec)
        self.group = self._named(QGroupBox(spec.title))
        self.group.setCheckable(spec.nullable or not spec.required)
        layout = QVBoxLayout(self.group)
        layout.setContentsMargins(8, 4, 8, 8)
        self.form = ConfigForm(item, {}, compact=True)
        layout.addWidget(self.form)
        self.box.addWidget(self.group)
        self.group.toggled.connect(self.committed)
        self.form.changed.connect(self.committed)

    def value(self) -> Any:
        return self.form.config() if not self.group.isCheckable() or self.group.isChecked() else UNSET

    def set_value(self, value: Any) -> None:
        self.group.setChecked(isinstance(value, dict))
        self.form.set_config(value if isinstance(value, dict) else {})

    def problem(self) -> str | None:
        return self.form.problem() if self.value() is not UNSET else None


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


_BY_NAME: dict[str, Callable[[FieldSpec], FieldEditor]] = {"weekdays": WeekdaysEditor, "reentry": ReentryEditor}


def editor_for(spec: FieldSpec, field: FieldInfo, choices: dict[str, list[str]] | None = None) -> FieldEditor:
    """The editor a field's annotation calls for."""
    core = spec.core
    if spec.picks and choices is not None:
        return PickerEditor(spec, choices.get(spec.picks, []))
    if special := _BY_NAME.get(spec.name):
        return special(spec)
    if spec.role:
        return CodeEditor(spec)
    if get_origin(core) is dict or dict_values_role(field):
        return KeyValueEditor(spec)
    if get_origin(core) in (Union, types.UnionType):
        if any(get_origin(a) is Literal for a in get_args(core)):
            return AllOrListEditor(spec)
    if get_origin(core) is list:
        item = _submodel(core)
        return RowsEditor(spec, item) if item else ListEditor(spec)
    if isinstance(core, type) and issubclass(core, BaseModel):
        return GroupEditor(spec, core)
    if get_origin(core) is Literal:
        return ChoiceEditor(spec)
    if core is bool:
        return BoolEditor(spec)
    if core in (int, float):
        return NumberEditor(spec)
    placeholder = next((p for marker, p in _TEXT_FORMATS if marker in spec.metadata), "")
    return TextEditor(spec, placeholder)


# --- the form ----------------------------------------------------------------------------------
class ConfigForm(QWidget):
    """A form over a pydantic model; `changed` carries the new raw config when an edit is done."""
    changed = Signal(dict)

    add_connector = Signal()                  # "Add a connector…" was picked in a connector field

    def __init__(self, model: type[BaseModel], config: dict[str, Any], parent: QWidget | None = None, *,
                 compact: bool = False, choices: dict[str, list[str]] | None = None):
        """`choices`: the workspace's names for fields that pick one (`connector:email`, `event`,
        ...); without them such a field is plain text."""
        super().__init__(parent)
        self.model = model
        self.compact = compact
        self.specs: list[FieldSpec] = []
        self.editors: dict[str, FieldEditor] = {}
        self._given: set[str] = set()
        self._loaded: dict[str, Any] | None = None
        self._emitted: dict[str, Any] | None = None
        self._loading = False
        layout: QVBoxLayout | QFormLayout = QFormLayout(self) if compact else QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        if isinstance(layout, QFormLayout):
            layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            layout.setVerticalSpacing(4)
        else:
            layout.setSpacing(14)
        for name, field in model.model_fields.items():
            spec = field_spec(model, name, field)
            editor = editor_for(spec, field, choices)
            editor.committed.connect(self._commit)
            if isinstance(editor, PickerEditor):
                editor.add_connector.connect(self.add_connector)
            self.specs.append(spec)
            self.editors[spec.name] = editor
            self._add_row(layout, spec, editor)
        if not self.specs:
            layout.addWidget(QLabel("Nothing to set for this node."))
        self.problems = note_label("problem")
        self.problems.setObjectName("form-problems")
        if not compact:
            layout.insertWidget(0, self.problems)
        self.set_config(config)

    def _add_row(self, layout: QVBoxLayout | QFormLayout, spec: FieldSpec, editor: FieldEditor) -> None:
        error = note_label("problem")
        editor.problem_changed.connect(lambda text: set_note(error, text, "problem"))
        label = None
        if not editor.labelled_inside:
            mark = f" <span style='color:{colour('muted')}'>*</span>" if spec.required else ""
            label = QLabel(f"{html.escape(spec.title)}{mark}" if self.compact else f"<b>{html.escape(spec.title)}</b>{mark}")
            label.setBuddy(editor.input)
            label.setToolTip(rich_help(spec.description) + ("<br><i>Required</i>" if spec.required else ""))
        if isinstance(layout, QFormLayout):
            layout.addRow(label, editor) if label else layout.addRow(editor)
            layout.addRow(None, error)
            return
        row = QVBoxLayout()
        row.setSpacing(3)
        text = editor.help or spec.description
        help = QLabel(rich_help(text)) if text else None
        if help:
            help.setTextFormat(Qt.TextFormat.RichText)
            help.setWordWrap(True)
            help.setStyleSheet(f"color: {colour('muted')};")
        if label:
            row.addWidget(label)
            if help:
                row.addWidget(help)
        row.addWidget(editor)
        row.addWidget(error)
        if help and not label:
            row.addWidget(help)
        layout.addLayout(row)

    def config(self) -> dict[str, Any]:
        """The raw config the editors show: set fields only, keys as in the file."""
        out: dict[str, Any] = {}
        for spec in self.specs:
            value = self.editors[spec.name].value()
            if value is UNSET:
                continue
            given = spec.key in self._given
            if value in ("", [], {}) and not (spec.required and given):
                continue
            if not spec.required and value == spec.default and not given:
                continue
            out[spec.key] = value
        return out

    def set_config(self, config: dict[str, Any] | None) -> None:
        """Show a config without reporting it. The one already shown is left alone, so an edit in
        progress survives the document echoing the last change back."""
        config = dict(config or {})
        if config in (self._loaded, self._emitted):
            self._given = set(config)
            return
        self._loaded, self._given, self._loading = config, set(config), True
        try:
            for spec in self.specs:
                self.editors[spec.name].set_value(config.get(spec.key, spec.default))
        finally:
            self._loading = False
        self._emitted = self.config()
        self._show_problems(config)

    def problem(self) -> str | None:
        """The first value that is not of its field's type (shown under it, and reported as typed)."""
        for spec in self.specs:
            if problem := self.editors[spec.name].problem():
                return f"{spec.title}: {problem}"
        return None

    def set_preview(self, names: dict[str, Any] | None) -> None:
        for editor in self.editors.values():
            editor.set_preview(names)

    def has_templates(self) -> bool:
        return any(e.has_templates() for e in self.editors.values())

    def focus_first(self) -> None:
        if self.specs:
            self.editors[self.specs[0].name].input.setFocus()

    def _commit(self) -> None:
        # A value that is not of its field's type is reported as typed too: the document keeps it,
        # validation names it and Publish waits for it. Dropping it would publish the old value.
        if self._loading:
            return
        config = self.config()
        if config == self._emitted:
            return
        self._emitted, self._loaded, self._given = config, config, set(config)
        self._show_problems(config)
        self.changed.emit(copy.deepcopy(config))      # the receiver may keep or change it; ours stays ours

    def _show_problems(self, config: dict[str, Any]) -> None:
        if self.compact:
            return
        shown_already = {s.key for s in self.specs if self.editors[s.name].problem()}
        try:
            self.model.model_validate(config)
            lines: list[str] = []
        except ValidationError as e:
            lines = [explain(self.model, err) for err in e.errors()
                     if not (err["loc"] and err["loc"][0] in shown_already)]
        set_note(self.problems, "\n".join(lines[:6]), "problem")


# --- the panels --------------------------------------------------------------------------------
