"""The main window's menus and toolbar, apart from the window so each entry reads in one place."""
from __future__ import annotations

from functools import partial

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence


def menu_entry(window, menu, text: str, slot, shortcut=None, name: str | None = None) -> QAction:
    """An entry of `menu`, also a shortcut of the whole window."""
    action = QAction(text, window)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    action.triggered.connect(slot)
    action.setObjectName(name or text.lower().replace(" ", "-").replace(".", "").replace("…", ""))
    menu.addAction(action)
    window.addAction(action)
    return action



def build_menus(self) -> None:
    """The menus and the toolbar of a main window (`self`), each entry an action named for what it says."""
    _action = partial(menu_entry, self)
    bar = self.menuBar()
    f = bar.addMenu("&File")
    _action(f, "New journey…", self.new_from_template, QKeySequence.New)
    _action(f, "Open journey file…", self.open_file_dialog, QKeySequence.Open)
    _action(f, "Export journey file…", self.export_file_dialog, "Ctrl+Shift+E")
    _action(f, "Export image…", self.export_image_dialog)
    f.addSeparator()
    _action(f, "Export bundle…", self.export_bundle_dialog)
    _action(f, "Import bundle…", self.import_bundle_dialog)
    f.addSeparator()
    self.publish_action = _action(f, "Publish", self.publish, "Ctrl+Shift+P")
    f.addSeparator()
    _action(f, "Quit", self.close, QKeySequence.Quit)
    e = bar.addMenu("&Edit")
    self.undo_action = _action(e, "Undo", lambda: self.editor and self.editor.undo.undo(), QKeySequence.Undo)
    self.redo_action = _action(e, "Redo", lambda: self.editor and self.editor.undo.redo(), QKeySequence.Redo)
    e.addSeparator()
    _action(e, "Copy", lambda: self.editor and self.editor.copy(), QKeySequence.Copy)
    _action(e, "Paste", lambda: self.editor and self.editor.paste(), QKeySequence.Paste)
    _action(e, "Duplicate", lambda: self.editor and self.editor.duplicate(), "Ctrl+D")
    _action(e, "Delete", lambda: self.editor and self.editor.delete_selection(), QKeySequence.Delete)
    _action(e, "Select all", lambda: self.editor and self.editor.select_all(), QKeySequence.SelectAll)
    _action(e, "Find node kind", lambda: self.palette.search.setFocus(), "Ctrl+K")
    v = bar.addMenu("&View")
    _action(v, "Zoom in", lambda: self.view.zoom_by(1.2), QKeySequence.ZoomIn)
    _action(v, "Zoom out", lambda: self.view.zoom_by(1 / 1.2), QKeySequence.ZoomOut)
    _action(v, "Actual size", lambda: self.view.set_zoom(1.0), "Ctrl+0")
    _action(v, "Fit journey", self.view.fit, "Ctrl+1")
    _action(v, "Auto-layout", lambda: self.editor and (self.editor.auto_layout(), self.view.fit()), "Ctrl+L")
    w = bar.addMenu("&Workspace")
    _action(w, "Open workspace file…", self.open_workspace_file)
    _action(w, "Open team workspace (PostgreSQL)…", self.open_team_workspace)
    w.addSeparator()
    _action(w, "Contacts…", self.contacts_view, "Ctrl+Shift+C")
    _action(w, "Settings…", self.workspace_settings_dialog)
    _action(w, "Connectors…", self.connectors_dialog)
    _action(w, "Sync contacts…", self.sync_contacts)
    _action(w, "Messages not gone out…", self.outbox_dialog)
    t = bar.addMenu("&Tools")
    _action(t, "Audit workspace…", self.audit_workspace)
    s = bar.addMenu("&Simulate")
    simulate = _action(s, "Simulate…", self.simulate_dialog, "Ctrl+R")
    _action(s, "Clear simulation", self.clear_simulation, "Ctrl+Shift+R")
    tools = self.addToolBar("Main")
    tools.setObjectName("toolbar-main")
    tools.setToolButtonStyle(Qt.ToolButtonTextOnly)
    tools.setMovable(False)
    for action in (self.undo_action, self.redo_action):
        tools.addAction(action)
    tools.addSeparator()
    for name in ("auto-layout", "fit-journey"):
        tools.addAction(self.findChild(QAction, name))
    tools.addSeparator()
    tools.addAction(simulate)
    tools.addAction(self.publish_action)
