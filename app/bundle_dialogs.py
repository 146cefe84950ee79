"""Workspace › Export bundle… and Import bundle…: the designer's side of SPEC section 7. The import
dialog lists every connector the bundle needs beside this workspace's connectors of the same kind,
and will not finish while one is unmapped."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel,
                               QListWidget, QListWidgetItem, QVBoxLayout)
from switchback.connectors import registry
from switchback.connectors.secrets import has_secret
from switchback.runtime import bundles, workspace_connectors
from switchback.runtime.problems import InputError, without_command


class ExportBundleDialog(QDialog):
    def __init__(self, parent, workspace):
        super().__init__(parent)
        self.setWindowTitle("Export bundle")
        self.workspace = workspace
        self.journeys = QListWidget()
        self.journeys.setAccessibleName("Journeys to export")
        for info in workspace.journeys():
            item = QListWidgetItem(f"{info.name} ({info.status})")
            item.setData(Qt.UserRole, info.key)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if info.published else Qt.Unchecked)
            self.journeys.addItem(item)
        self.drafts = QCheckBox("Export drafts instead of the latest published versions")
        self.note = QLabel("Connectors travel as their name, kind and settings. Secrets never do.")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText("Export…")
        buttons.accepted.connect(self.export)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for w in (QLabel("Journeys"), self.journeys, self.drafts, self.note, buttons):
            layout.addWidget(w)

    def keys(self) -> list[str]:
        return [self.journeys.item(i).data(Qt.UserRole) for i in range(self.journeys.count())
                if self.journeys.item(i).checkState() == Qt.Checked]

    def export(self, path: str | None = None) -> None:
        if not self.keys():
            self.note.setText("Tick at least one journey.")
            return
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export bundle", "journeys.swbundle", "Bundles (*.swbundle)")
            if not path:
                return
        try:
            warnings = bundles.export_bundle(self.workspace.store, self.keys(), path, drafts=self.drafts.isChecked())
        except InputError as e:
            self.note.setText(str(e))
            return
        self.note.setText("\n".join(["Exported to " + path, *warnings]))
        self.accept()


class ImportBundleDialog(QDialog):
    def __init__(self, parent, workspace, path: str):
        super().__init__(parent)
        self.setWindowTitle(f"Import {Path(path).name}")
        self.workspace, self.path = workspace, path
        manifest, _ = bundles.read_bundle(path)          # InputError for a damaged bundle: the caller shows it
        targets = [(c.name, c.kind) for c in workspace_connectors.listed(workspace.store)]
        form = QFormLayout()
        self.choices: dict[str, QComboBox] = {}
        for c in manifest.get("connectors", []):
            combo = QComboBox()
            combo.setObjectName(f"map-{c['name']}")
            combo.addItem("— choose a connector —", None)
            for name, kind in targets:
                if kind == c["kind"]:
                    combo.addItem(name, name)
            if c["name"] in [n for n, k in targets if k == c["kind"]]:
                combo.setCurrentIndex(combo.findData(c["name"]))
            combo.currentIndexChanged.connect(self._check)
            self.choices[c["name"]] = combo
            form.addRow(f"{c['name']} ({c['kind']})", combo)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Import")
        self.buttons.accepted.connect(self.finish)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{len(manifest.get('journeys', []))} journey(s): {', '.join(manifest.get('journeys', []))}. "
                                "Map each connector the bundle uses to one of this workspace's:"))
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.buttons)
        self._check()

    def mapping(self) -> dict[str, str]:
        return {name: combo.currentData() for name, combo in self.choices.items() if combo.currentData()}

    def _check(self) -> None:
        missing = [name for name, combo in self.choices.items() if not combo.currentData()]
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not missing)
        self.note.setText(f"Map {', '.join(missing)} to finish (add a connector of that kind first if there is none)."
                          if missing else "Ready to import. Journeys arrive as drafts.")

    def finish(self) -> None:
        try:
            plan = bundles.plan_import(self.workspace.store, self.path, self.mapping(),
                                       secrets_of=lambda k: registry.get(k).required_secrets if registry.get(k) else (),
                                       has_secret=has_secret)
            if not plan.problems:
                bundles.apply_import(self.workspace.store, plan)
            problems = plan.problems
        except InputError as e:
            problems = [str(e)]
        if problems:
            self.note.setText("Nothing was imported:\n" + "\n".join(problems[:10]))
            return
        self.imported = [j.key for j in plan.journeys]
        self.secrets_needed = [without_command(line) for line in plan.secrets_needed]     # the window's words
        self.accept()
