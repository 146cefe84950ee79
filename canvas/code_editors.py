"""Editors for the code in a journey: conditions and templates, checked as the user types.

The check is the validator's own (`runtime.sandbox.check`), so the editor and the problems panel
never disagree about what compiles. Both editors announce an edit only when the user is done with
it (Enter or leaving the field): each announcement becomes an undo step, and a step per keystroke
would make undo useless.
"""
from __future__ import annotations

import json
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QFontDatabase, QKeyEvent
from PySide6.QtWidgets import (QCompleter, QLabel, QLineEdit, QPlainTextEdit, QSizePolicy, QTextBrowser, QVBoxLayout,
                               QWidget)

from switchback.canvas.theme import system_theme
from switchback.runtime import sandbox

# SPEC section 4's standard contact fields and section 3's functions: what a marketer reaches for.
STANDARD_FIELDS = ["email", "first_name", "last_name", "phone", "company", "job_title", "country", "timezone",
                   "lifecycle_stage", "owner", "score", "tags", "consent_email", "consent_sms"]
COMPLETIONS = sorted([f"contact.{f}" for f in STANDARD_FIELDS]
                     + ["events()", "days_since()", "in_journey()", "event.type", "event.at", "event.properties", "now"])
_WORD = re.compile(r"[A-Za-z_][\w.]*$")


def colour(role: str) -> str:
    """`problem`, `ok` or `muted`, readable on the system's light or dark scheme."""
    theme = system_theme()
    if role == "ok":
        return "#68D391" if theme.name == "dark" else "#2F855A"
    return (theme.problem if role == "problem" else theme.muted).name()


def monospace():
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def note_label(role: str = "muted") -> QLabel:
    """A small line under a field: a problem, an OK, a preview or a hint."""
    label = QLabel()
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    font = label.font()
    font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    label.setFont(font)
    set_note(label, "", role)
    return label


def set_note(label: QLabel, text: str, role: str = "muted") -> None:
    """Show `text` in the colour of its role (problem, ok, muted), or a preview's tinted box."""
    if role == "preview":
        label.setStyleSheet(f"color: {system_theme().text.name()}; background: palette(alternate-base);"
                            " border: 1px solid palette(midlight); border-radius: 3px; padding: 3px 5px;")
    else:
        label.setStyleSheet(f"color: {colour(role)};")
    label.setText(text)
    label.setVisible(bool(text))


def one_line(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _WordCompleter(QCompleter):
    """Completes the word at the cursor (`contact.fi` -> `contact.first_name`), not the whole
    line as QLineEdit's own completer would: a condition is several words."""

    def __init__(self, edit: QLineEdit, words: list[str]):
        super().__init__(words, edit)
        self._edit = edit
        self.setWidget(edit)
        self.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setModelSorting(QCompleter.ModelSorting.CaseInsensitivelySortedModel)
        self.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        edit.textEdited.connect(self._update)
        self.activated[str].connect(self.insert)

    def _word(self) -> tuple[int, str]:
        pos = self._edit.cursorPosition()
        m = _WORD.search(self._edit.text()[:pos])
        return (m.start(), m.group()) if m else (pos, "")

    def _update(self) -> None:
        _, word = self._word()
        self.setCompletionPrefix(word)
        if len(word) < 2 or self.completionCount() == 0 or self.currentCompletion() == word:
            self.popup().hide()
            return
        self.complete()

    def insert(self, completion: str) -> None:
        """Replace the word at the cursor; a function lands with the cursor between its brackets."""
        start, _ = self._word()
        text, pos = self._edit.text(), self._edit.cursorPosition()
        self._edit.setText(text[:start] + completion + text[pos:])
        self._edit.setCursorPosition(start + len(completion) - (1 if completion.endswith("()") else 0))


class ConditionEdit(QWidget):
    """A condition (SPEC section 3) on one line, with the compiler's verdict under it."""
    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None, placeholder: str = "contact.score >= 50"):
        super().__init__(parent)
        self.input = QLineEdit()
        self.input.setFont(monospace())
        self.input.setPlaceholderText(placeholder)
        self.message = note_label()
        self.completer = _WordCompleter(self.input, COMPLETIONS)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.input)
        layout.addWidget(self.message)
        self.setFocusProxy(self.input)
        self._committed = ""
        self.input.textChanged.connect(self._check)
        self.input.editingFinished.connect(self._finish)

    def text(self) -> str:
        return self.input.text()

    def setText(self, text: str) -> None:
        self._committed = text
        self.input.setText(text)
        self._check()

    def problem(self) -> str | None:
        text = self.text()
        return sandbox.check(text, "condition") if text.strip() else None

    def _check(self) -> None:
        problem = self.problem()
        if problem:
            set_note(self.message, problem.replace("'end of template'", "the end of the condition"), "problem")
        else:
            set_note(self.message, "OK" if self.text().strip() else "", "ok")

    def _finish(self) -> None:
        if self.text() != self._committed:
            self._committed = self.text()
            self.edited.emit(self._committed)


class CommitPlainTextEdit(QPlainTextEdit):
    """Plain text that reports an edit when the user leaves it, or presses Ctrl+Enter
    (Enter alone on a one-line field). Tab moves to the next field, as in any form."""
    edited = Signal(str)

    def __init__(self, lines: int = 4, parent: QWidget | None = None):
        super().__init__(parent)
        self.lines = lines
        self.setTabChangesFocus(True)
        if lines == 1:
            self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
            self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.document().setDocumentMargin(2)
        self._committed = ""
        self._fit()

    def _fit(self) -> None:
        margins = self.contentsMargins()
        height = (self.fontMetrics().lineSpacing() * self.lines + 2 * self.document().documentMargin()
                  + margins.top() + margins.bottom() + 2)
        self.setFixedHeight(round(height))

    def setFont(self, font) -> None:  # noqa: N802 (Qt's name)
        super().setFont(font)
        self._fit()

    def set_text(self, text: str) -> None:
        self._committed = text
        self.setPlainText(text)

    def finish(self) -> None:
        if self.toPlainText() != self._committed:
            self._committed = self.toPlainText()
            self.edited.emit(self._committed)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and (
                self.lines == 1 or event.modifiers() & Qt.KeyboardModifier.ControlModifier):
            self.finish()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:  # noqa: N802
        super().focusOutEvent(event)
        if event.reason() != Qt.FocusReason.PopupFocusReason:
            self.finish()


class TemplateEdit(QWidget):
    """A message template, checked as typed, with a live preview for a sample contact."""
    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None, lines: int = 4, role: str = "template", html: bool = False):
        """`html`: the preview draws the rendered HTML as a mail program would (QTextBrowser's
        subset: no scripts, and nothing is fetched from the network)."""
        super().__init__(parent)
        self.role = role
        self.input = CommitPlainTextEdit(lines)
        self.input.setFont(monospace())
        self.input.setPlaceholderText("Hi {{ contact.first_name }}" if role == "template" else '{"email": "{{ contact.email }}"}')
        self.message = note_label()
        self.preview = note_label()
        self.preview.setWordWrap(lines > 1)
        if lines == 1:                                  # a long one-line preview must not widen the form
            self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.page: QTextBrowser | None = None
        if html:
            self.page = QTextBrowser()
            self.page.setObjectName("html-preview")
            self.page.setOpenLinks(False)
            self.page.setMinimumHeight(220)
            self.page.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for w in (self.input, self.message, self.preview, self.page):
            if w is not None:
                layout.addWidget(w)
        self.setFocusProxy(self.input)
        self._names: dict[str, Any] | None = None
        self.input.textChanged.connect(self._check)
        self.input.edited.connect(self.edited)

    def text(self) -> str:
        return self.input.toPlainText()

    def setText(self, text: str) -> None:
        self.input.set_text(text)
        self._check()

    def problem(self) -> str | None:
        return sandbox.check(self.text(), "template") if self.text() else None

    def set_preview(self, names: dict[str, Any] | None) -> None:
        """Names to render with (`contact`, `journey`), or None for no preview."""
        self._names = names
        self._check()

    def _check(self) -> None:
        problem = self.problem()
        set_note(self.message, problem or "", "problem")
        if self.page is not None:
            self.page.setVisible(False)
        if problem or self._names is None or not self.text():
            set_note(self.preview, "")
            return
        try:
            rendered = sandbox.render(self.text(), self._names)
        except sandbox.RunError as e:
            set_note(self.preview, one_line(str(e)), "problem")
            return
        if self.page is not None:
            set_note(self.preview, "")
            self.page.setHtml(rendered)
            self.page.setVisible(True)
            return
        if self.role == "json-template":
            try:
                json.loads(rendered)
            except ValueError as e:
                set_note(self.preview, one_line(f"Not JSON once rendered: {e}"), "problem")
                return
        if rendered == self.text():                    # nothing to fill in: a preview would only repeat it
            set_note(self.preview, "")
            return
        lines = rendered.splitlines() or [""]
        shown = "\n".join(lines[:8]) + ("\n…" if len(lines) > 8 else "")
        set_note(self.preview, shown if self.input.lines > 1 else one_line(shown, 80), "preview")

