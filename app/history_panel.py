"""The History panel (SPEC section 13): the open journey's versions — who published each, when,
the note, how many contacts are on it now — and the draft's review state. Choose two versions (or
one, against the draft) and Compare draws their diff on the canvas; Restore as draft brings an old
version back for editing; Approve approves a colleague's draft. It also puts on the editor's cards
how many contacts are still there on older versions."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from switchback.app.journey_controls_bar import JourneyControls
from switchback.canvas.diff_view import diff_scene
from switchback.canvas.marks import MARKS, versions_words
from switchback.runtime.diff import Diff, diff, node_lines
from switchback.runtime.problems import InputError
from switchback.runtime.store.versions import Refused

DRAFT = -1                                   # the draft's row in the list (versions are 1, 2, ...)
CONTROL = 0                                  # a pause, resume or turn-off: shown, not compared


def _name(version: int | None) -> str:
    return "the draft" if version is None else f"version {version}"


class HistoryPanel(QWidget):
    def __init__(self, window):
        """`window` is the main window: the panel reads its workspace and editor, and borrows its
        view and inspector while a diff is shown."""
        super().__init__(window)
        self.window_ = window
        self.key: str | None = None
        self.diff_scene = None
        self.diffed: tuple[int | None, int | None, Diff, object, object] | None = None

        self.state = QLabel()
        self.state.setObjectName("history-state")
        self.state.setWordWrap(True)
        self.list = QTreeWidget()
        self.list.setObjectName("history-versions")
        self.list.setAccessibleName("Versions")
        self.list.setColumnCount(5)
        self.list.setHeaderLabels(["Version", "Published (UTC)", "By", "Contacts on it", "Note"])
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QTreeWidget.ExtendedSelection)
        self.list.header().setStretchLastSection(True)
        self.list.header().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.list.itemSelectionChanged.connect(self._selected)
        self.list.itemDoubleClicked.connect(lambda *_: self.compare())

        self.compare_button = self._button("Compare", "compare", self.compare,
                                           "Draw the changes between the two chosen versions (or one and the draft)")
        self.restore_button = self._button("Restore as draft", "restore", self.restore,
                                           "Make the chosen version the draft, to edit and publish again")
        self.approve_button = self._button("Approve draft", "approve", self.approve,
                                           "Approve this draft so that it may be published")
        self.back_button = self._button("Back to editing", "back", self.leave_diff, "Show the draft again")
        self.note = QLineEdit()
        self.note.setObjectName("publish-note")
        self.note.setAccessibleName("Note for the next publish")
        self.note.setPlaceholderText("Note for the next publish: what changed and why")
        self.gone = QLabel()
        self.gone.setObjectName("history-gone")
        self.gone.setWordWrap(True)

        self.controls = JourneyControls(window)
        buttons = QHBoxLayout()
        buttons.addWidget(self.controls)
        for b in (self.compare_button, self.restore_button, self.approve_button, self.back_button):
            buttons.addWidget(b)
        buttons.addWidget(self.note, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.state)
        column.addWidget(self.list, 1)
        column.addWidget(self.gone)
        column.addLayout(buttons)
        self.back_button.hide()
        self._selected()

    def _button(self, text: str, name: str, slot, tip: str) -> QPushButton:
        b = QPushButton(text)
        b.setObjectName(f"history-{name}")
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # --- following the open journey -------------------------------------------------------------
    def journey_opened(self) -> None:
        self.leave_diff()
        editor = self.window_.editor
        if editor is not None:
            editor.undo.indexChanged.connect(lambda *_: self.leave_diff())     # an edit shows the draft again

    def refresh(self) -> None:
        """Re-read the versions, the draft's state and the contacts on older versions (the window
        calls this whenever it re-reads its journeys)."""
        chosen = {i.data(0, Qt.UserRole) for i in self.list.selectedItems()}
        self.list.clear()
        ws, editor = self.window_.workspace, self.window_.editor
        self.key = editor.journey.key if editor else None
        if self.key is None or editor is None:
            self.state.setText("No journey open")
            return
        try:
            rows, draft, older = ws.history(self.key)
        except InputError:                               # not saved to the workspace yet
            rows, draft, older = [], None, {}
        state, done = ws.controls(self.key)
        self.controls.refresh(self.key, state, bool(rows))
        if draft is not None and (draft.edited or not rows):
            by = draft.updated_by or "someone"
            review = (f"approved by {draft.approved_by}" if draft.approved_by
                      else "awaiting approval" if draft.review else "")
            item = QTreeWidgetItem(["Draft", f"saved {draft.updated_at:%Y-%m-%d %H:%M}", by, "", review])
            item.setData(0, Qt.UserRole, DRAFT)
            self.list.addTopLevelItem(item)
        lines = []
        for v in rows:
            by = (v.by or "someone") + (f" (approved by {v.approved_by})" if v.approved_by else "")
            item = QTreeWidgetItem([f"v{v.version}", f"{v.published_at:%Y-%m-%d %H:%M}", by, f"{v.contacts:,}",
                                    v.note or ""])
            item.setData(0, Qt.UserRole, v.version)
            item.setTextAlignment(3, Qt.AlignRight | Qt.AlignVCenter)
            lines.append((v.published_at, item))
        for c in done:
            item = QTreeWidgetItem([c.action.capitalize(), f"{c.at:%Y-%m-%d %H:%M}", c.by, "", c.note or ""])
            item.setData(0, Qt.UserRole, CONTROL)
            item.setFlags(Qt.ItemIsEnabled)                          # shown, not chosen for a compare
            lines.append((c.at, item))
        for _, item in sorted(lines, key=lambda x: x[0], reverse=True):
            self.list.addTopLevelItem(item)
        for i in range(self.list.topLevelItemCount()):                 # the same rows stay chosen
            item = self.list.topLevelItem(i)
            item.setSelected(item.data(0, Qt.UserRole) in chosen)
        if self.diff_scene is None:
            self.state.setText(self._state_words(rows, draft) + {"paused": " It is paused: nothing of it runs.",
                                                                "off": " It is off: nobody is on it."}.get(state, ""))
        user = ws.user
        self.approve_button.setVisible(bool(draft and draft.review and draft.edited and not draft.approved_by))
        self.approve_button.setEnabled(bool(draft and user not in draft.editors))
        if draft and user in draft.editors:
            self.approve_button.setToolTip(f"You ({user}) edited this draft: someone else approves it")
        editor.scene.set_older({n: c for n, c in older.items() if editor.journey.node(n) is not None})
        gone = {n: c for n, c in older.items() if editor.journey.node(n) is None}
        self.gone.setVisible(bool(gone))
        self.gone.setText("Contacts on older versions at steps this draft no longer has (they finish there): " + "; ".join(
            f"{n}: {sum(c.values()):,} on {versions_words(c)}" for n, c in sorted(gone.items())))
        self._selected()

    def _state_words(self, rows, draft) -> str:
        name = self.window_.editor.journey.name
        words = (f"{name}: {len(rows)} version{'s' if len(rows) != 1 else ''}, the latest v{rows[0].version}" if rows
                 else f"{name} has not been published yet")
        if draft is not None and draft.edited:
            words += "; the draft has changes"
            if draft.review:
                words += f", approved by {draft.approved_by}" if draft.approved_by else \
                    ", awaiting approval by " + (f"someone other than {', '.join(draft.editors)}" if draft.editors
                                                 else "someone")
        elif draft is not None and draft.review:
            words += "; review is on"
        return words + "."

    def _chosen(self) -> list[int | None]:
        out = [i.data(0, Qt.UserRole) for i in self.list.selectedItems()]
        return sorted((None if v == DRAFT else v for v in out), key=lambda v: float("inf") if v is None else v)

    def _selected(self) -> None:
        chosen = self._chosen()
        self.compare_button.setEnabled(len(chosen) == 2 or (len(chosen) == 1 and chosen[0] is not None))
        self.restore_button.setEnabled(len(chosen) == 1 and chosen[0] is not None)

    # --- actions -----------------------------------------------------------------------------------
    def compare(self) -> None:
        chosen = self._chosen()
        if len(chosen) == 1 and chosen[0] is not None:
            chosen = [chosen[0], None]
        if len(chosen) == 2:
            self.show_diff(*chosen)

    def show_diff(self, v1: int | None, v2: int | None) -> Diff:
        """Draw what changed from v1 to v2 (None: the draft) on the canvas, read-only."""
        w = self.window_
        w.save_now()
        before, after = w.workspace.version(self.key, v1), w.workspace.version(self.key, v2)
        changes = diff(before, after)
        self._drop_diff_scene()
        self.diff_scene = diff_scene(before, after, changes, w.editor.scene.theme, self)
        self.diff_scene.selectionChanged.connect(self._inspect)
        self.diffed = (v1, v2, changes, before, after)
        w.view.setScene(self.diff_scene)
        w.view.fit()
        self.back_button.show()
        counts = [f"{len(changes.added)} added", f"{len(changes.removed)} removed", f"{len(changes.changed)} changed",
                  f"{len(changes.edges_added)} connections added", f"{len(changes.edges_removed)} removed"]
        if changes.settings:
            counts.append("settings: " + ", ".join(changes.settings))
        w.status.setText(f"{_name(v1).capitalize()} → {_name(v2)}: " + ", ".join(counts)
                         if changes else f"No change from {_name(v1)} to {_name(v2)} (moves are not changes)")
        legend = " · ".join(f"<b style='color:{MARKS[m].name()}'>{m}</b>" for m in ("added", "removed", "changed"))
        self.state.setText(f"Showing what changed from {_name(v1)} to {_name(v2)} on the canvas: {legend}. "
                           f"Click a card for its changes; Back to editing returns to the draft.")
        return changes

    def _inspect(self) -> None:
        w = self.window_
        cards = self.diff_scene.selected_cards() if self.diff_scene else []
        if len(cards) != 1 or self.diffed is None:
            w.node_inspector.clear()
            return
        v1, v2, changes, before, after = self.diffed
        node = cards[0].node
        if node.declaration is None:
            return
        w.node_inspector.show_node(node.id, node.declaration, node.config, node.label)
        mark = cards[0].mark
        heading = {"added": f"Added in {_name(v2)}", "removed": f"Removed in {_name(v2)}; as it was in {_name(v1)}",
                   "changed": f"Changed from {_name(v1)} to {_name(v2)}"}.get(mark, f"Unchanged from {_name(v1)}")
        w.node_inspector.show_changes(heading, node_lines(changes, before, after, node.id) if mark == "changed" else [])
        w.inspector_tabs.setCurrentWidget(w.node_inspector)

    def leave_diff(self) -> None:
        if self.diff_scene is None:
            return
        w = self.window_
        if w.editor is not None:
            w.view.setScene(w.editor.scene)
        w.node_inspector.show_changes(None)
        w.node_inspector.clear()
        self._drop_diff_scene()
        self.back_button.hide()
        w.status.setText("Showing the draft")
        self.refresh()

    def _drop_diff_scene(self) -> None:
        if self.diff_scene is not None:
            self.diff_scene.selectionChanged.disconnect(self._inspect)
            self.diff_scene.deleteLater()
        self.diff_scene, self.diffed = None, None

    def restore(self) -> None:
        chosen = self._chosen()
        if len(chosen) != 1 or chosen[0] is None:
            return
        w = self.window_
        w.open_journey(w.workspace.version(self.key, chosen[0]), save=True)
        w.status.setText(f"Version {chosen[0]} restored as the draft: publish it to make it the version contacts enter")

    def approve(self) -> None:
        try:
            revision = self.window_.workspace.approve(self.key)
        except (Refused, InputError) as e:
            self.window_.status.setText(str(e))
            return
        self.window_.status.setText(f"Draft revision {revision} approved by {self.window_.workspace.user}")
        self.refresh()

    def take_note(self) -> str | None:
        return self.note.text().strip() or None

    def published(self, version: int) -> None:
        self.window_.status.setText(f"Published {self.key} version {version}")
        self.note.clear()

    def refused(self, why: Exception) -> None:
        """Publish said no: under review the draft was saved to await approval, which this shows."""
        self.window_.status.setText(str(why) if isinstance(why, Refused) else f"Not published: {why}")
        self.window_.refresh_journeys()
        self.parentWidget().raise_()

