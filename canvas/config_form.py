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
settings group) carry them on their container. What a field is: field_spec.py; its editors: field_editors.py.
"""
from __future__ import annotations

import copy
import html
import json
import types
from typing import Any, Callable, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QToolButton, QVBoxLayout,
                               QWidget)

from switchback.canvas.code_editors import TemplateEdit, colour, note_label, set_note
from switchback.canvas.field_editors import (ADD_CONNECTOR, AllOrListEditor, BoolEditor, ChoiceEditor, CodeEditor,
                                             FieldEditor, ListEditor, NoWheelCombo, NumberEditor, PickerEditor,
                                             ReentryEditor, RowListEditor, TextEditor, WeekdaysEditor, small_button)
from switchback.canvas.field_spec import (TEXT_FORMATS, UNSET, FieldSpec, explain, field_spec, rich_help, singular,
                                          submodel)
from switchback.nodes.fields import dict_values_role

__all__ = ["ConfigForm", "editor_for", "ADD_CONNECTOR", "NoWheelCombo", "rich_help"]   # the last three: shared


class RowsEditor(RowListEditor):
    """A list of small records (switch cases, split variants, owner rules): a framed row each, a
    nested form inside, and buttons to add, remove and reorder, since order decides who wins."""

    def __init__(self, spec: FieldSpec, item: type[BaseModel], choices: dict[str, list[str]] | None = None):
        noun = singular(spec.title)
        super().__init__(spec, noun.lower(), spacing=6)
        self.item, self.noun, self.choices = item, noun, choices
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
            b = small_button(text, tip, name)
            b.clicked.connect(slot)
            head.addWidget(b)
        layout.addLayout(head)
        form = ConfigForm(self.item, {}, compact=True, choices=self.choices)
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


class KeyValueEditor(RowListEditor):
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
        remove = small_button("✕", "Remove this field", "row-remove")
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

    def __init__(self, spec: FieldSpec, item: type[BaseModel], choices: dict[str, list[str]] | None = None):
        super().__init__(spec)
        self.group = self._named(QGroupBox(spec.title))
        self.group.setCheckable(spec.nullable or not spec.required)
        layout = QVBoxLayout(self.group)
        layout.setContentsMargins(8, 4, 8, 8)
        self.form = ConfigForm(item, {}, compact=True, choices=choices)
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


_BY_SHOWS: dict[str, Callable[[FieldSpec], FieldEditor]] = {"weekdays": WeekdaysEditor, "reentry": ReentryEditor}


def editor_for(spec: FieldSpec, field: FieldInfo, choices: dict[str, list[str]] | None = None) -> FieldEditor:
    """The editor a field's annotation calls for."""
    core = spec.core
    if spec.picks and choices is not None:
        return PickerEditor(spec, choices.get(spec.picks, []))
    if special := _BY_SHOWS.get(spec.shows or ""):
        return special(spec)
    if spec.role:
        return CodeEditor(spec, choices)
    if get_origin(core) is dict or dict_values_role(field):
        return KeyValueEditor(spec)
    if get_origin(core) in (Union, types.UnionType):
        if any(get_origin(a) is Literal for a in get_args(core)):
            return AllOrListEditor(spec)
    if get_origin(core) is list:
        item = submodel(core)
        return RowsEditor(spec, item, choices) if item else ListEditor(spec)
    if isinstance(core, type) and issubclass(core, BaseModel):
        return GroupEditor(spec, core, choices)
    if get_origin(core) is Literal:
        return ChoiceEditor(spec)
    if core is bool:
        return BoolEditor(spec)
    if core in (int, float):
        return NumberEditor(spec)
    placeholder = next((p for marker, p in TEXT_FORMATS if marker in spec.metadata), "")
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
