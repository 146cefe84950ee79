"""Workspace › Connectors: add, edit, test ("Send test", or "Test connection" for a CRM) and remove
the workspace's connectors.
Settings are edited with the form generated from each kind's settings model; secrets go to the
keyring only, and a system without one is told so plainly."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton,
                               QVBoxLayout)
from switchback.app.connection_test import ConnectionTest, for_the_window
from switchback.app.named_list import fill
from switchback.app.test_send import TestSend, handoff
from switchback.canvas.config_form import ConfigForm
from switchback.connectors import registry
from switchback.connectors import workspace as connectors
from switchback.connectors.secrets import SecretsUnavailable, delete_secret, get_secret
from switchback.runtime import workspace_connectors
from switchback.runtime.problems import InputError


class ConnectorsDialog(QDialog):
    def __init__(self, parent, workspace):
        super().__init__(parent)
        self.setWindowTitle("Connectors")
        self.resize(820, 560)
        self.workspace = workspace
        self.list = QListWidget()
        self.list.setAccessibleName("Connectors in this workspace")
        self.list.currentItemChanged.connect(lambda item, _: self.show_connector(item.data(Qt.UserRole) if item else None))
        add, remove = QPushButton("Add"), QPushButton("Remove")
        add.clicked.connect(lambda: self.show_connector(None))
        remove.clicked.connect(self.remove)
        left = QVBoxLayout()
        left.addWidget(self.list)
        row = QHBoxLayout()
        row.addWidget(add)
        row.addWidget(remove)
        left.addLayout(row)
        self.name = QLineEdit(placeholderText="a name journeys use, such as smtp")
        self.name.setObjectName("connector-name")
        self.kind = QComboBox()
        self.kind.setObjectName("connector-kind")
        for spec in registry.kinds():
            self.kind.addItem(spec.title, spec.name)
        self.kind.currentIndexChanged.connect(lambda _: self._build_form({}))
        self.form_box = QVBoxLayout()
        self.secrets_box = QFormLayout()
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("connector-note")
        head = QFormLayout()
        head.addRow("Name", self.name)
        head.addRow("Kind", self.kind)
        right = QVBoxLayout()
        right.addLayout(head)
        right.addLayout(self.form_box)
        right.addLayout(self.secrets_box)
        right.addWidget(self.note)
        right.addStretch()
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton("Save", QDialogButtonBox.AcceptRole)
        self.test_button = buttons.addButton("Send test…", QDialogButtonBox.ActionRole)
        self.connect_button = buttons.addButton("Test connection", QDialogButtonBox.ActionRole)
        self.connect_button.clicked.connect(self.test_connection)
        close = buttons.addButton(QDialogButtonBox.Close)
        self.save_button.clicked.connect(self.save)
        self.test_button.clicked.connect(self.send_test)
        close.clicked.connect(self.accept)
        for button in buttons.buttons():       # Enter in a field saves nothing: only Save does
            button.setAutoDefault(False)
            button.setDefault(False)
        right.addWidget(buttons)
        body = QHBoxLayout(self)
        body.addLayout(left, 1)
        body.addLayout(right, 2)
        self.form: ConfigForm | None = None
        self.secret_edits: dict[str, QLineEdit] = {}
        self.sending = TestSend(self)
        self.sending.finished.connect(self._tested)
        self.refresh()
        self.show_connector(self.list.item(0).data(Qt.UserRole) if self.list.count() else None)


    def refresh(self) -> None:
        fill(self.list, ((row.name, f"{row.name} — {row.kind}") for row in workspace_connectors.listed(self.workspace.store)),
             "No connectors yet.\nUntil you add one, messages\nare recorded, not sent.")

    def show_connector(self, name: str | None) -> None:
        settings, kind = {}, None
        if name:
            row = workspace_connectors.find(self.workspace.store, name)
            settings, kind = row.settings, row.kind
        self.name.setText(name or "")
        self.name.setReadOnly(bool(name))
        if kind:
            self.kind.blockSignals(True)
            self.kind.setCurrentIndex(max(0, self.kind.findData(kind)))
            self.kind.blockSignals(False)
        self._build_form(settings)

    def _build_form(self, settings: dict) -> None:
        spec = registry.get(self.kind.currentData())
        if self.form is not None:
            self.form.setParent(None)
            self.form.deleteLater()
        self.form = ConfigForm(spec.settings, settings, compact=True)
        self.form_box.addWidget(self.form)
        while self.secrets_box.rowCount():
            self.secrets_box.removeRow(0)
        self.secret_edits = {}
        name = self.name.text().strip()
        for key in spec.secrets:
            edit = QLineEdit(echoMode=QLineEdit.Password)
            edit.setObjectName(f"secret-{key}")
            try:
                stored = bool(name) and get_secret(name, key) is not None
                edit.setPlaceholderText("stored in the keyring; type to replace" if stored else
                                        "kept in the OS keyring, never in the workspace")
            except SecretsUnavailable:
                edit.setPlaceholderText("no keyring on this system")
            self.secret_edits[key] = edit
            self.secrets_box.addRow(key.replace("_", " ").capitalize() + (" *" if key in spec.required_secrets else ""), edit)
        self.note.setText(spec.help)
        self.test_button.setVisible(bool(spec.channels))      # a CRM source sends nothing to test with
        self.connect_button.setVisible(spec.source is not None)   # it is read from instead

    def save(self) -> bool:
        name, kind = self.name.text().strip(), self.kind.currentData()
        if not name:
            self.note.setText("Give the connector a name.")
            return False
        secrets = {k: e.text() for k, e in self.secret_edits.items() if e.text()}
        spec = registry.get(kind)
        missing = [k for k in self._needed(spec, name) if k not in secrets]
        if missing:
            self.note.setText(f"Not saved: {name} needs its {' and '.join(k.replace('_', ' ') for k in missing)} as well.")
            return False
        try:
            warnings = connectors.add(self.workspace.store, name, kind, self.form.config() if self.form else {}, secrets)
        except SecretsUnavailable as e:
            self.note.setText(f"Not saved: {e}")
            return False
        except InputError as e:
            self.note.setText(f"Not saved: {e}")
            return False
        for edit in self.secret_edits.values():
            edit.clear()
        self.refresh()
        self.note.setText(f"Saved {name}." + (" Its secrets are in the keyring." if secrets else "")
                          + "".join(f"\nWarning: {line}" for line in warnings))
        return True

    def _needed(self, spec, name: str) -> list[str]:
        """Secrets these settings need that neither the form nor the keyring holds."""
        try:
            needed = spec.needed_secrets(spec.settings.model_validate(self.form.config() if self.form else {}))
        except ValueError:
            return []                          # the settings' own problem is reported when saving
        try:
            return [k for k in needed if get_secret(name, k) is None]
        except SecretsUnavailable:
            return list(needed)

    def remove(self) -> None:
        """Asks first: journeys that send with it wait until a connector of that name is back."""
        item = self.list.currentItem()
        name = item.data(Qt.UserRole) if item is not None else None
        if not name:
            return
        self.confirm = QMessageBox(QMessageBox.Question, "Remove connector",
                                   f"Remove {name}? Its secrets are deleted from the keyring, and messages that "
                                   f"journeys send with {name} wait until you add a connector of that name again.",
                                   QMessageBox.Cancel, self)
        self.confirm.addButton("Remove", QMessageBox.DestructiveRole).clicked.connect(lambda: self._remove(name))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def _remove(self, name: str) -> None:
        kind = workspace_connectors.remove(self.workspace.store, name).kind
        for key in registry.get(kind).secrets if registry.get(kind) else ():
            delete_secret(name, key)
        self.refresh()
        self.show_connector(None)

    def send_test(self, to: str | None = None) -> None:
        if not self.save():
            return
        spec = registry.get(self.kind.currentData())
        channel = spec.channels[0] if spec.channels else "email"
        if to is None:
            to, ok = QInputDialog.getText(self, "Send test", f"Send a test {channel} message to:")
            if not ok or not to:
                return
        lookup = connectors.sender_for(self.workspace.store)
        sender = lookup(channel, self.name.text().strip())
        payload = ({"method": "POST", "body": {"test": True, "from": "Switchback"}} if channel == "webhook" else
                   {"subject": "Switchback test message", "body": "This is a test from Switchback. It worked.", "to": to})
        self.note.setText(f"Sending a test to {to}…")
        self.test_button.setEnabled(False)
        self.sending.start(sender, handoff(channel, self.name.text().strip(), to, payload))

    def _tested(self, text: str) -> None:
        self.test_button.setEnabled(True)
        self.note.setText(for_the_window(text))

    def test_connection(self) -> None:
        """Saves, then reads the first page of the CRM's contacts with what was saved."""
        if not self.save():
            return
        name = self.name.text().strip()
        self.note.setText(f"Testing the connection to {name}…")
        self.connect_button.setEnabled(False)
        self.connecting = ConnectionTest(self, name, self.kind.currentData(), self.form.config() if self.form else {})
        self.connecting.finished_with.connect(self._connected)
        self.connecting.start()

    def _connected(self, text: str) -> None:
        self.connecting.wait()
        self.connect_button.setEnabled(True)
        self.note.setText(text)
