"""Workspace settings' event sources: the sites and apps that may send events to the intake server,
each with its write key (runtime/sources.py). A new key is shown once, with a button to copy it:
only its hash is kept, so it cannot be shown again. Removing a source asks first."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QMessageBox, QPushButton, QVBoxLayout

from switchback.app.named_list import fill
from switchback.runtime import sources
from switchback.runtime.problems import InputError
from switchback.runtime.store.workspace import Store


class SourcesSection(QGroupBox):
    def __init__(self, store: Store, parent=None):
        super().__init__("Event sources", parent)
        self.store = store
        self.list = QListWidget()
        self.list.setAccessibleName("Event sources of this workspace")
        self.list.setMaximumHeight(110)
        self.name = QLineEdit(placeholderText="a name for the site or app, such as website")
        self.name.setObjectName("source-name")
        self.name.returnPressed.connect(self.add)
        self.add_button, self.remove_button = QPushButton("Add source"), QPushButton("Remove…")
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove)
        self.key = QLineEdit(readOnly=True)
        self.key.setObjectName("source-key")
        self.copy_button = QPushButton("Copy key")
        self.copy_button.clicked.connect(self.copy)
        self.key_row = QHBoxLayout()
        self.key_row.addWidget(self.key, 1)
        self.key_row.addWidget(self.copy_button)
        self.note = QLabel("Sites and apps send events (form submitted, page viewed, …) to this workspace with a "
                           "Segment-compatible client and their source's write key.")
        self.note.setWordWrap(True)
        self.note.setObjectName("source-note")
        adding = QHBoxLayout()
        adding.addWidget(self.name, 1)
        adding.addWidget(self.add_button)
        adding.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(adding)
        layout.addLayout(self.key_row)
        layout.addWidget(self.note)
        self._show_key("")
        self.refresh()

    def refresh(self) -> None:
        fill(self.list, ((source.name, f"{source.name} — added {source.created_at:%Y-%m-%d %H:%M} UTC")
                         for source in sources.list_sources(self.store)),
             "No sources yet: nothing outside can send events.")
        self.remove_button.setEnabled(any(self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())))

    def _show_key(self, key: str) -> None:
        self.key.setText(key)
        self.key.setVisible(bool(key))
        self.copy_button.setVisible(bool(key))

    def add(self) -> None:
        name = self.name.text().strip()
        try:
            key = sources.add_source(self.store, name)
        except InputError as e:
            self._show_key("")
            self.note.setText(f"Not added: {e}")
            return
        self.name.clear()
        self.refresh()
        self._show_key(key)
        self.note.setText(f"Added {name}. Copy its write key now: it is shown this once, and only a hash of it is kept. "
                          f"Lost, remove the source and add it again for a new key.")

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.key.text())
        self.note.setText("The write key is on the clipboard.")

    def remove(self) -> None:
        """Asks first: a site still sending with its key is refused from then on."""
        item = self.list.currentItem()
        name = item.data(Qt.UserRole) if item is not None else None
        if not name:
            self.note.setText("Choose the source to remove in the list.")
            return
        self.confirm = QMessageBox(QMessageBox.Question, "Remove source",
                                   f"Remove {name}? Events sent with its write key are refused from then on; "
                                   f"the events it sent before stay.", QMessageBox.Cancel, self)
        self.confirm.addButton("Remove", QMessageBox.DestructiveRole).clicked.connect(lambda: self._remove(name))
        self.confirm.setDefaultButton(QMessageBox.Cancel)
        self.confirm.open()

    def _remove(self, name: str) -> None:
        try:
            sources.remove_source(self.store, name)
        except InputError as e:
            self.note.setText(f"Not removed: {e}")
        else:
            self.note.setText(f"Removed {name}.")
            self._show_key("")
        self.refresh()
