"""The main window: palette, canvas, inspector, problems, the workspace's journeys, and the
simulation. It composes the pieces and wires them to the workspace; it decides nothing itself."""
from __future__ import annotations

from typing import Callable

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (QDockWidget, QFileDialog, QInputDialog, QLabel, QListWidget, QListWidgetItem,
                               QMainWindow, QMessageBox, QTabWidget, QWidget)

from switchback import nodes
from switchback.app.history_panel import HistoryPanel
from switchback.app.menus import build_menus
from switchback.app.palette import Palette
from switchback.app.problems import ProblemsPanel, line
from switchback.app.simulation_panel import SimulationPanel, Simulated
from switchback.app.workspace import Workspace, templates
from switchback.canvas.editor import JourneyEditor
from switchback.canvas.inspector import NodeInspector, SettingsInspector
from switchback.canvas.view import JourneyView
from switchback.runtime import document, references
from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError
from switchback.runtime.store.versions import Refused, StaleDraft

AUTOSAVE_MS = 400


class MainWindow(QMainWindow):
    def __init__(self, workspace: Workspace, open_window: Callable[[str | None, str | None], "MainWindow"]):
        """`open_window(workspace, db)` builds a window on another workspace (the designer's own
        start-up path, handed in so this module need not import it back)."""
        super().__init__()
        self.workspace = workspace
        self.open_window = open_window
        self.editor: JourneyEditor | None = None
        self.live = None                       # app/live.py's LiveBar once the designer runs the workspace
        self.confirm_publish: QMessageBox | None = None     # "Publish …?" while it asks
        self.resize(1440, 900)
        self.setObjectName("main-window")

        self.view = JourneyView()
        self.setCentralWidget(self.view)
        self.palette = Palette()
        self.palette.activated.connect(self.add_at_centre)
        self.journeys = QListWidget()
        self.journeys.setAccessibleName("Journeys in this workspace")
        self.journeys.itemActivated.connect(lambda item: self.open_key(item.data(Qt.UserRole)))
        self.journeys.itemDoubleClicked.connect(lambda item: self.open_key(item.data(Qt.UserRole)))
        self.node_inspector = NodeInspector()
        self.node_inspector.test_requested.connect(self.send_test)
        self.node_inspector.add_connector.connect(self.connectors_dialog)
        self.settings_inspector = SettingsInspector()
        self.inspector_tabs = QTabWidget()
        self.inspector_tabs.addTab(self.node_inspector, "Node")
        self.inspector_tabs.addTab(self.settings_inspector, "Journey")
        self.problems = ProblemsPanel()
        self.problems.node_clicked.connect(self.go_to)
        self.simulation = SimulationPanel()
        self.simulation.contact_clicked.connect(self.show_path)

        self._dock("Nodes", self.palette, Qt.LeftDockWidgetArea)
        self._dock("Journeys", self.journeys, Qt.LeftDockWidgetArea)
        self._dock("Inspector", self.inspector_tabs, Qt.RightDockWidgetArea)
        self.setCorner(Qt.BottomRightCorner, Qt.RightDockWidgetArea)     # the inspector keeps the full height
        problems_dock = self._dock("Problems", self.problems, Qt.BottomDockWidgetArea)
        messages_dock = self._dock("Simulation", self.simulation, Qt.BottomDockWidgetArea)
        self.history = HistoryPanel(self)
        self.tabifyDockWidget(problems_dock, messages_dock)
        self.tabifyDockWidget(messages_dock, self._dock("History", self.history, Qt.BottomDockWidgetArea))
        problems_dock.raise_()
        self.resizeDocks([problems_dock], [150], Qt.Vertical)
        self.resizeDocks([self.findChild(QDockWidget, "dock-inspector"), self.findChild(QDockWidget, "dock-nodes")],
                         [400, 240], Qt.Horizontal)
        self.resizeDocks([self.findChild(QDockWidget, "dock-nodes"), self.findChild(QDockWidget, "dock-journeys")],
                         [560, 180], Qt.Vertical)

        self.status = QLabel()
        self.statusBar().addPermanentWidget(self.status)
        from switchback.app.live_results import LiveResults
        self.results = LiveResults(self, self._dock)         # results of the published journey open, alerts
        self.tabifyDockWidget(problems_dock, self.results.dock)
        problems_dock.raise_()
        self._autosave = QTimer(self, singleShot=True, interval=AUTOSAVE_MS, timeout=self.save_now)
        self.node_inspector.config_changed.connect(lambda node_id, cfg: self.editor and self.editor.set_config(node_id, cfg))
        self.node_inspector.label_changed.connect(lambda node_id, label: self.editor and self.editor.set_label(node_id, label))
        self.settings_inspector.settings_changed.connect(lambda s: self.editor and self.editor.set_settings(settings=s))
        self.settings_inspector.name_changed.connect(lambda n: self.editor and self.editor.set_settings(name=n))
        self.settings_inspector.description_changed.connect(lambda d: self.editor and self.editor.set_settings(description=d))
        build_menus(self)
        self.refresh_journeys()
        self._title()

    # --- layout helpers ------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock-{title.lower()}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetFloatable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    # --- journeys ------------------------------------------------------------------------------
    def refresh_journeys(self) -> None:
        current = self.editor.journey.key if self.editor else None
        self.journeys.clear()
        for info in self.workspace.journeys():
            text = f"{info.name}\n{info.status}" + (f" · {info.active} active" if info.active else "")
            item = QListWidgetItem(text)
            item.setData(Qt.UserRole, info.key)
            item.setToolTip(f"{info.key} · saved {info.updated_at:%Y-%m-%d %H:%M}")
            self.journeys.addItem(item)
            if info.key == current:
                item.setSelected(True)
        self.history.refresh()

    def open_key(self, key: str) -> None:
        self.open_journey(self.workspace.load(key))

    def open_journey(self, journey: Journey, save: bool = False) -> None:
        if self.editor is not None:
            self.save_now()
            self.editor.deleteLater()
        self.editor = JourneyEditor(journey, parent=self)
        ed = self.editor
        ed.undo.indexChanged.connect(self._changed)
        ed.problems_changed.connect(lambda p: self.problems.show_problems(p, ed.journey))
        ed.problems_changed.connect(lambda p: self.publish_action.setToolTip(
            "Fix the problems first" if p else "Publish a new version"))
        ed.selection_changed.connect(self.inspect)
        ed.model.settings_changed.connect(self._title)
        ed.model.settings_changed.connect(self._key_follows_name)
        self.view.setScene(ed.scene)
        self._names = self.workspace.names()
        ed.extra_checks = lambda j: references.check(j, self._names)
        ed.revalidate()
        self.problems.show_problems(ed.problems, ed.journey)
        self.settings_inspector.set_settings(journey.name, journey.description or "", journey.settings_raw or {}, journey.key)
        self.node_inspector.set_choices(self._names)
        self.settings_inspector.set_choices(self._names)
        self.node_inspector.set_preview_contacts(self.workspace.contacts(limit=200), self.workspace.preview_of(journey))
        self.inspect(None)
        if save:
            self.save_now()
        QTimer.singleShot(0, self.view.fit)
        self._title()
        self.history.journey_opened()
        self.results.journey_opened()
        self.refresh_journeys()

    def _changed(self, _index: int = 0) -> None:
        self._autosave.start()
        self._title()
        self.inspect(self._inspected, refresh=True)

    def save_now(self) -> None:
        """Drafts are saved as you edit: a crash loses nothing."""
        if self.editor is None:
            return
        self._autosave.stop()
        try:
            self.workspace.save_draft(self.editor.journey)
        except StaleDraft as e:
            self.status.setText("Not saved: someone else changed this journey")
            self.notice = QMessageBox(QMessageBox.Warning, "Not saved", f"{e}.\n\nReopen the journey to see "
                                      "their version; copy your nodes first (Ctrl+C) to keep them.", QMessageBox.Ok, self)
            self.notice.open()
            return
        self.status.setText(f"Saved to {self.workspace.label}")
        self.refresh_journeys()

    def publish(self) -> None:
        """Publish, once the person has read what goes live (contacts start getting its messages)."""
        if self.editor is None:
            return
        self.save_now()
        journey = self.editor.journey
        problems = self.workspace.problems(journey)
        words = None if problems else self.workspace.going_live(journey)
        if words is None:                       # refused either way: say why straight away
            return self.publish_now()
        self.confirm_publish = box = QMessageBox(QMessageBox.Question, "Publish", f"Publish “{journey.name}”?",
                                                 QMessageBox.Cancel, self)
        box.setInformativeText(words)
        box.setStyleSheet("QLabel#qt_msgbox_informativelabel { min-width: 26em; }")   # reads as lines, not a column
        box.publish_button = box.addButton("Publish", QMessageBox.AcceptRole)
        box.setDefaultButton(box.publish_button)
        box.publish_button.clicked.connect(self.publish_now)
        box.open()                               # window-modal: the canvas stays in view behind it

    def publish_now(self) -> None:
        if self.editor is None:
            return
        self.save_now()
        try:
            version, problems = self.workspace.publish(self.editor.journey, self.history.take_note())
        except (StaleDraft, Refused) as e:
            return self.history.refused(e)
        if version is None:
            lines = "\n".join(f"• {line(p, self.editor.journey)}" for p in problems[:12])
            self.notice = QMessageBox(QMessageBox.Warning, "Not published",
                                      f"{self.editor.journey.name} has {len(problems)} problem(s) to fix first:\n\n{lines}",
                                      QMessageBox.Ok, self)
            self.notice.open()                   # window-modal, so the problems panel stays in reach
            return
        self.history.published(version)
        self.refresh_journeys()

    def new_from_template(self) -> None:
        from switchback.app.template_gallery import TemplateGallery
        self.gallery = TemplateGallery(self, templates())
        self.gallery.chosen.connect(self.create_from)
        self.gallery.open()

    def create_from(self, template: Journey | None) -> Journey:
        """A new draft in the workspace from a template (or blank), with a key not yet taken."""
        taken = {j.key for j in self.workspace.journeys()}
        if template is None:
            template = Journey(key="new-journey", name="New journey")
        journey = document.loads(template.dumps())
        key, i = journey.key, 2
        while journey.key in taken:
            journey.key, i = f"{key}-{i}", i + 1
        if journey.key != key:
            journey.name = f"{journey.name} ({i - 1})"
        self.open_journey(journey, save=True)
        return journey

    def open_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open journey", "", "Journeys (*.journey.json *.json)")
        if path:
            self.open_file(path)

    def open_file(self, path: str) -> None:
        try:
            journey = document.load(path)
        except InputError as e:
            QMessageBox.warning(self, "Cannot open", str(e))
            return
        self.open_journey(journey, save=True)

    def export_file_dialog(self) -> None:
        if self.editor is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export journey", f"{self.editor.journey.key}.journey.json",
                                              "Journeys (*.journey.json)")
        if path:
            document.save(self.editor.journey, path)

    def export_image_dialog(self) -> None:
        if self.editor is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export image", f"{self.editor.journey.key}.png",
                                              "Images (*.png *.svg *.pdf)")
        if path:
            from switchback.canvas.export import export_image
            self.status.setText(export_image(document.loads(self.editor.journey.dumps()), path).note)

    # --- workspace -------------------------------------------------------------------------------
    def connectors_dialog(self) -> None:
        from switchback.app.connectors_dialog import ConnectorsDialog
        self.dialog = ConnectorsDialog(self, self.workspace)
        self.dialog.finished.connect(lambda _: self._names_changed())
        self.dialog.open()

    def export_bundle_dialog(self) -> None:
        from switchback.app.bundle_dialogs import ExportBundleDialog
        self.save_now()
        self.dialog = ExportBundleDialog(self, self.workspace)
        self.dialog.open()

    def import_bundle_dialog(self, path: str | None = None) -> None:
        from switchback.app.bundle_dialogs import ImportBundleDialog
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Import bundle", "", "Bundles (*.swbundle)")
            if not path:
                return
        try:
            self.dialog = ImportBundleDialog(self, self.workspace, path)
        except InputError as e:
            self.notice = QMessageBox(QMessageBox.Warning, "Cannot import", str(e), QMessageBox.Ok, self)
            self.notice.open()
            return
        self.dialog.accepted.connect(self._imported)
        self.dialog.open()

    def outbox_dialog(self) -> None:
        from switchback.app.outbox_dialog import OutboxDialog
        self.dialog = OutboxDialog(self, self.workspace)
        self.dialog.open()

    def sync_contacts(self, name: str | None = None):
        """Pull contacts from one of the workspace's CRM connectors, off the GUI thread."""
        from switchback.app.sync_dialog import start_sync
        from switchback.connectors import registry
        from switchback.runtime.workspace_connectors import listed
        crms = [(c.name, c.kind, c.settings) for c in listed(self.workspace.store)
                if registry.get(c.kind) and registry.get(c.kind).source]
        if not crms:
            self.status.setText("No CRM connector in this workspace: add one under Workspace › Connectors…")
            return None
        if name is None:
            if len(crms) == 1:
                name = crms[0][0]
            else:
                name, ok = QInputDialog.getItem(self, "Sync contacts", "From:", [c[0] for c in crms], 0, False)
                if not ok:
                    return None
        chosen = next(c for c in crms if c[0] == name)
        self.sync_thread = start_sync(self, *chosen)
        return self.sync_thread

    def open_workspace_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open workspace", "", "Workspaces (*.sqlite *.db)")
        if path:
            self.switch_workspace(workspace=path)

    def _names_changed(self) -> None:
        """Connectors were added or removed: the pickers and the checks follow."""
        self._names = self.workspace.names()
        self.node_inspector.set_choices(self._names)
        self.settings_inspector.set_choices(self._names)
        if self.editor is not None:
            self.editor.revalidate()

    def send_test(self, node_id: str, contact: dict) -> None:
        """A message node's test, as `contact` would get it, to an address the user gives."""
        from switchback.app.test_message_dialog import ask_and_send
        if self.editor is not None:
            ask_and_send(self, self.workspace, self.editor.journey, node_id, contact)

    def contacts_view(self) -> None:
        from switchback.app.contacts_view import ContactsView
        self.contacts = ContactsView(self, self.workspace)
        self.contacts.open()

    def workspace_settings_dialog(self) -> None:
        from switchback.app.workspace_settings_dialog import WorkspaceSettingsDialog
        self.dialog = WorkspaceSettingsDialog(self, self.workspace.store)
        self.dialog.open()

    def open_team_workspace(self) -> None:
        from switchback.app.workspace_dialogs import TeamWorkspaceDialog
        self.dialog = TeamWorkspaceDialog(self)
        self.dialog.accepted.connect(lambda: (url := self.dialog.url()) and self.switch_workspace(db=url))
        self.dialog.open()

    def switch_workspace(self, workspace: str | None = None, db: str | None = None):
        """A new window on the other workspace; this one closes (its draft saved)."""
        try:
            window = self.open_window(workspace, db)
        except InputError as e:
            self.notice = QMessageBox(QMessageBox.Warning, "Cannot open the workspace", str(e), QMessageBox.Ok, self)
            self.notice.open()
            return None
        window.resize(self.size())
        window.show()
        self.close()
        return window

    def audit_workspace(self, out: str | None = None) -> None:
        """Tools › Audit workspace: the report of SPEC section 8 for every journey here, simulated with
        this workspace's contacts, written off the GUI thread and opened in the browser."""
        from switchback.app.audit_runner import AuditRunner
        self.save_now()
        self.status.setText("Auditing the workspace…")
        self.audit_runner = AuditRunner(self, self.workspace, out)
        self.audit_runner.finished_with.connect(self._audited)
        self.audit_runner.start()

    def _audited(self, path: str, error: str) -> None:
        if error:
            self.status.setText(f"Audit failed: {error}")
            return
        self.status.setText(f"Audit written to {path}")
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices
        QDesktopServices.openUrl(QUrl.fromLocalFile(path))

    def _imported(self) -> None:
        done = self.dialog
        self.refresh_journeys()
        text = f"Imported {len(done.imported)} journey(s) as drafts."
        if done.secrets_needed:
            text += " Secrets to enter: " + "; ".join(done.secrets_needed)
        self.status.setText(text)

    # --- canvas and inspector --------------------------------------------------------------------
    _inspected: str | None = None

    def inspect(self, node_id: str | None, refresh: bool = False) -> None:
        if self.editor is None:
            return
        node = self.editor.model.node(node_id) if node_id else None
        if node is None or node.declaration is None:
            self._inspected = None
            self.node_inspector.clear()
            if not refresh:
                self.inspector_tabs.setCurrentWidget(self.settings_inspector)
            return
        if refresh and node_id == self._inspected:
            self.node_inspector.show_node(node.id, node.declaration, node.config, node.label)
            return
        self._inspected = node_id
        self.node_inspector.show_node(node.id, node.declaration, node.config, node.label)
        self.inspector_tabs.setCurrentWidget(self.node_inspector)

    def add_at_centre(self, kind: str) -> None:
        if self.editor is None or nodes.get(kind) is None:
            return
        centre = self.view.mapToScene(self.view.viewport().rect().center())
        self.editor.add_node(kind, centre - QPointF(120, 38))

    def go_to(self, where: str) -> None:
        if self.editor is None:
            return
        if where in self.editor.scene.cards:
            self.editor.scene.select_node(where)
            self.view.centerOn(self.editor.scene.cards[where])
        else:
            self.inspector_tabs.setCurrentWidget(self.settings_inspector)

    def _key_follows_name(self) -> None:
        if self.editor is not None and self.workspace.follow_name(self.editor.journey):
            ed = self.editor
            self.settings_inspector.set_settings(ed.journey.name, ed.journey.description or "",
                                                 ed.journey.settings_raw or {}, ed.journey.key)
            self.refresh_journeys()

    def _title(self) -> None:
        name = self.editor.journey.name if self.editor else "No journey open"
        self.setWindowTitle(f"{name} — Switchback — {self.workspace.label}")

    # --- simulation ---------------------------------------------------------------------------
    def simulate_dialog(self) -> None:
        from switchback.app.simulate import SimulateDialog
        if self.editor is None:
            return
        self.simulate = SimulateDialog(self, self.editor.journey, self.workspace)
        self.simulate.finished_with.connect(self.show_simulation)
        self.simulate.open()

    def show_simulation(self, simulated: Simulated) -> None:
        """Counts on the canvas and the panel filled: all made off the GUI thread, only shown here."""
        if self.editor is None:
            return
        summary = simulated.summary
        self.editor.scene.set_counts(summary.entered, summary.edges)
        self._simulated = simulated
        self.simulation.show_summary(simulated, self.editor.journey)
        self.simulation.parentWidget().raise_()
        self.status.setText(summary.nobody or f"Simulated {summary.contacts:,} contacts: {summary.all_messages:,} messages")

    def show_path(self, contact: str) -> None:
        simulated = getattr(self, "_simulated", None)
        if simulated is not None and self.editor is not None:
            self.editor.scene.highlight_path(simulated.summary.paths.get(contact, []))

    def clear_simulation(self) -> None:
        if self.editor is not None:
            self.editor.scene.set_counts(None)
            self.editor.scene.highlight_path([])
        self.simulation.clear()

    def closeEvent(self, event) -> None:
        self.save_now()
        if self.live is not None and self.live.close(event):     # keep running: only hidden
            return
        self.results.stop()
        super().closeEvent(event)
