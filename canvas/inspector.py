"""The inspector: the selected node's kind, help, label and config form, with template previews for
a contact you pick; and the journey's settings panel. The forms come from canvas/config_form.py."""
from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QScrollArea, QStackedWidget,
                               QVBoxLayout, QWidget)

from switchback.canvas.code_editors import CommitPlainTextEdit, colour
from switchback.canvas.config_form import ConfigForm, NoWheelCombo, rich_help
from switchback.nodes.registry import NodeKind
from switchback.resources import icon_path
from switchback.runtime.sandbox import Fields
from switchback.runtime.settings import Settings
from switchback.runtime.tracking import UNSUBSCRIBE_MARK


def _heading(text: str, scale: float = 1.2) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * scale)
    label.setFont(font)
    label.setWordWrap(True)
    return label


def _caption(text: str) -> QLabel:
    return QLabel(f"<b>{html.escape(text)}</b>")


def _muted(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {colour('muted')};")
    return label


def _scrolling(content: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(content)
    return area


class NodeInspector(QWidget):
    """The selected node: what it is, its label, and its config form."""
    config_changed = Signal(str, dict)
    label_changed = Signal(str, str)
    test_requested = Signal(str, dict)          # a message node's test, rendered for this contact
    add_connector = Signal()                    # "Add a connector…" picked in a Send with field

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.node_id: str | None = None
        self.kind: NodeKind | None = None
        self.form: ConfigForm | None = None
        self._contacts: list[dict[str, Any]] = []
        self._journey: dict[str, Any] = {"key": "", "name": ""}
        self._event: dict[str, Any] | None = None
        self.choices: dict[str, list[str]] = {}

        self.empty = _muted("Select a node to edit it")
        self.empty.setObjectName("inspector-empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        head = QHBoxLayout()
        self.icon = QLabel()
        self.icon.setFixedSize(28, 28)
        self.title = _heading("")
        self.title.setObjectName("node-title")
        head.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.title, 1)
        column.addLayout(head)
        self.help = _muted()
        self.help.setTextFormat(Qt.TextFormat.RichText)
        self.help.setObjectName("node-help")
        self.ident = _muted()
        column.addWidget(self.help)
        self.changes = QLabel()                     # in a diff: what changed on this node, field by field
        self.changes.setObjectName("node-changes")
        self.changes.setWordWrap(True)
        self.changes.setTextFormat(Qt.TextFormat.RichText)
        self.changes.setStyleSheet("border-left: 3px solid #D9822B; padding: 4px 8px;")
        self.changes.hide()
        column.addWidget(self.changes)
        column.addSpacing(6)
        column.addWidget(_caption("Label"))
        self.label = QLineEdit()
        self.label.setObjectName("node-label")
        self.label.setAccessibleName("Label")
        self.label.setToolTip("The name shown on the canvas; leave empty to show the node's summary.")
        self.label.editingFinished.connect(self._label_done)
        column.addWidget(self.label)
        column.addWidget(self.ident)

        self.preview_row = QWidget()
        row = QHBoxLayout(self.preview_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Preview for"))
        self.preview = NoWheelCombo()
        self.preview.setObjectName("preview-contact")
        self.preview.setAccessibleName("Preview for")
        self.preview.currentIndexChanged.connect(self._preview_picked)
        row.addWidget(self.preview, 1)
        self.test_button = QPushButton("Send test…")
        self.test_button.setObjectName("send-test")
        self.test_button.setToolTip("Send this message, as the chosen contact would get it, to an address of yours")
        self.test_button.clicked.connect(self._test_clicked)
        row.addWidget(self.test_button)
        column.addWidget(self.preview_row)
        self.preview_row.hide()

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        column.addWidget(line)
        self.form_slot = QVBoxLayout()
        column.addLayout(self.form_slot)
        column.addStretch()

        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(_scrolling(content))
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self._label_text = ""

    def show_node(self, node_id: str, kind: NodeKind, config: dict[str, Any], label: str | None = None) -> None:
        """Show a node; the same node again only refreshes its values (after an undo, say)."""
        same = node_id == self.node_id and self.kind is not None and kind.name == self.kind.name
        if not same:
            self._drop_form()
        self.node_id, self.kind = node_id, kind
        self._label_text = label or ""
        self.label.setText(self._label_text)
        if same and self.form is not None:
            self.form.set_config(config)
            return
        self.title.setText(kind.title)
        self.icon.setPixmap(QIcon(icon_path(kind.icon)).pixmap(28, 28))
        self.help.setText(rich_help(kind.help))
        self.ident.setText(f"Node id: {node_id} · {kind.name}")
        self.label.setPlaceholderText(kind.title)
        self.form = ConfigForm(kind.config, config, choices=self.choices)
        self.form.setObjectName("config-form")
        self.form.add_connector.connect(self.add_connector)
        self.form.changed.connect(self._config_done)
        self.form_slot.addWidget(self.form)
        self.form.show()                 # a layout shows a new child only on the next event loop turn
        self._preview_picked()
        self.stack.setCurrentIndex(1)

    def show_changes(self, heading: str | None, lines: list[str] = ()) -> None:
        """In a diff: the node read-only, with what changed listed above its form; None: editable again."""
        self.changes.setVisible(heading is not None)
        self.changes.setText("" if heading is None else f"<b>{html.escape(heading)}</b>" + "".join(
            f"<br>{html.escape(line)}" for line in lines))
        self.label.setReadOnly(heading is not None)
        if self.form is not None:
            self.form.setEnabled(heading is None)

    def clear(self) -> None:
        self._drop_form()
        self.node_id, self.kind = None, None
        self.stack.setCurrentIndex(0)

    def _drop_form(self) -> None:
        """Silenced first: hiding a focused field finishes its edit, and that edit must not reach
        the next node (nor re-enter whoever is switching nodes)."""
        if self.form is not None:
            self.form.blockSignals(True)
            self.form.hide()
            self.form_slot.removeWidget(self.form)
            self.form.deleteLater()
            self.form = None

    def set_choices(self, choices: dict[str, list[str]]) -> None:
        """The workspace's names that pick fields offer (see ConfigForm); the next node shown uses them."""
        self.choices = choices
        if self.node_id is not None and self.kind is not None and self.form is not None:
            config = self.form.config()
            node_id, kind, label = self.node_id, self.kind, self._label_text
            self.clear()
            self.show_node(node_id, kind, config, label)

    def set_preview_contacts(self, contacts: list[dict[str, Any]], journey: dict[str, Any] | None = None) -> None:
        """Sample contacts for template previews (the journey's `key` and `name` for `journey.*`, and
        the `event` its templates would see)."""
        self._contacts = list(contacts)
        if journey is not None:
            self._journey = {"key": journey.get("key", ""), "name": journey.get("name", "")}
            self._event = journey.get("event")
        self.preview.blockSignals(True)
        self.preview.clear()
        self.preview.addItem("No preview")
        for contact in self._contacts:
            self.preview.addItem(str(contact.get("email") or "(no email)"))
        self.preview.setCurrentIndex(1 if self._contacts else 0)
        self.preview.blockSignals(False)
        self._preview_picked()

    def _preview_picked(self) -> None:
        index = self.preview.currentIndex() - 1
        names = ({"contact": Fields(self._contacts[index]), "journey": dict(self._journey),
                  "event": Fields(self._event) if self._event else None, "unsubscribe_url": UNSUBSCRIBE_MARK}
                 if 0 <= index < len(self._contacts) else None)
        if self.form is not None:
            self.form.set_preview(names)
            self.preview_row.setVisible(bool(self._contacts) and self.form.has_templates())
            self.test_button.setVisible(self.kind is not None and self.kind.channel is not None and names is not None)

    def _test_clicked(self) -> None:
        index = self.preview.currentIndex() - 1
        if self.node_id is not None and 0 <= index < len(self._contacts):
            self.test_requested.emit(self.node_id, dict(self._contacts[index]))

    def _config_done(self, config: dict[str, Any]) -> None:
        if self.node_id is not None:
            self.config_changed.emit(self.node_id, config)

    def _label_done(self) -> None:
        text = self.label.text().strip()
        if self.node_id is not None and text != self._label_text:
            self._label_text = text
            self.label_changed.emit(self.node_id, text)


class SettingsInspector(QWidget):
    """The journey itself: its name, description and settings (SPEC section 1)."""
    settings_changed = Signal(dict)
    name_changed = Signal(str)
    description_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(12, 12, 12, 12)
        column.setSpacing(8)
        column.addWidget(_heading("Journey settings"))
        self.key = _muted()
        column.addWidget(self.key)

        column.addWidget(_caption("Name"))
        self.name = QLineEdit()
        self.name.setObjectName("journey-name")
        self.name.setAccessibleName("Name")
        self.name.editingFinished.connect(self._name_done)
        column.addWidget(self.name)
        column.addWidget(_caption("Description"))
        self.description = CommitPlainTextEdit(lines=3)
        self.description.setObjectName("journey-description")
        self.description.setAccessibleName("Description")
        self.description.setPlaceholderText("What this journey is for, for whoever opens it next.")
        self.description.edited.connect(self.description_changed)
        column.addWidget(self.description)

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        column.addWidget(line)
        self.column = column
        self._choices: dict[str, list[str]] | None = None
        self._make_form(None)
        column.addStretch()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(_scrolling(content))
        self._name = ""

    def set_settings(self, name: str, description: str | None, settings: dict[str, Any] | None,
                     key: str | None = None) -> None:
        """Show a journey's settings without reporting them."""
        self._name = name
        self.name.setText(name)
        self.description.set_text(description or "")
        self.key.setText(f"Key: {key}" if key else "")
        self.key.setVisible(bool(key))
        self.form.set_config(settings or {})

    def _make_form(self, choices: dict[str, list[str]] | None) -> None:
        self.form = ConfigForm(Settings, {}, choices=choices)
        self.form.setObjectName("settings-form")
        self.form.changed.connect(self.settings_changed)
        self.column.insertWidget(self.column.count() - 1 if choices is not None else self.column.count(), self.form)

    def set_choices(self, choices: dict[str, list[str]]) -> None:
        """The workspace's names: exit and goal conditions offer its fields and events."""
        if choices == self._choices:
            return
        self._choices = choices
        config = self.form.config()
        self.form.setParent(None)
        self.form.deleteLater()
        self._make_form(choices)
        self.form.set_config(config)

    def _name_done(self) -> None:
        text = self.name.text().strip()
        if text and text != self._name:
            self._name = text
            self.name_changed.emit(text)
