"""Every window and dialog, on a laptop's 1280x720 and a 1920x1080 screen, light and dark: each
fits the screen, and no label or button shows less than its text (cut text reads as a bug)."""
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from switchback.app.designer import build_window
from switchback.app.theme import apply_theme

OPENERS = {
    "main window": lambda w: w,
    "new journey": lambda w: (w.new_from_template(), w.gallery)[1],
    "simulate": lambda w: (w.simulate_dialog(), w.simulate)[1],
    "connectors": lambda w: (w.connectors_dialog(), w.dialog)[1],
    "a CRM connector": lambda w: (w.connectors_dialog(), w.dialog.kind.setCurrentIndex(w.dialog.kind.findData("hubspot")),
                                  w.dialog)[2],
    "send test": lambda w: (w.send_test("welcome", w.workspace.contacts()[0]), w.test_ask)[1],
    "workspace settings": lambda w: (w.workspace_settings_dialog(), w.dialog)[1],
    "contacts": lambda w: (w.contacts_view(), w.contacts)[1],
    "enroll contacts who": lambda w: (w.contacts_view(), w.contacts.enroll_where(), w.contacts.where_dialog)[2],
    "messages that did not go out": lambda w: (w.outbox_dialog(), w.dialog)[1],
    "export bundle": lambda w: (w.export_bundle_dialog(), w.dialog)[1],
    "team workspace": lambda w: (w.open_team_workspace(), w.dialog)[1],
}


def clipped(top: QWidget) -> list[str]:
    """Labels without word wrap, and buttons, narrower than their text."""
    out = []
    for widget in [top, *top.findChildren(QWidget)]:
        if not widget.isVisibleTo(top) or widget.width() <= 0:
            continue
        if isinstance(widget, QLabel) and widget.text() and not widget.wordWrap() \
                and widget.textFormat() != Qt.RichText and "<" not in widget.text():
            need = max(widget.fontMetrics().horizontalAdvance(line) for line in widget.text().splitlines() or [""])
            if need > widget.contentsRect().width() + 1:
                out.append(f"label {widget.text()!r}: {widget.contentsRect().width()} px for {need} px of text")
        elif isinstance(widget, QAbstractButton) and widget.text():
            need = widget.fontMetrics().horizontalAdvance(widget.text().replace("&", "")) + widget.iconSize().width() * (
                not widget.icon().isNull())
            if need > widget.contentsRect().width():
                out.append(f"button {widget.text()!r}: {widget.contentsRect().width()} px for {need} px of text")
    return out


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_nothing_is_cut_off(qtbot, tmp_path, monkeypatch, size, theme):
    monkeypatch.setenv("SWITCHBACK_THEME", theme)
    apply_theme(QApplication.instance())
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitExposed(w)
    found = {}
    for name, open_it in OPENERS.items():
        top = open_it(w)
        QApplication.processEvents()
        if top is not w:
            assert top.width() <= size[0] and top.height() <= size[1], f"{name} is {top.width()}x{top.height()}"
        if problems := clipped(top):
            found[name] = problems
        if top is not w:
            top.close()
    assert found == {}


def test_the_check_sees_a_cut_label_and_a_cut_button(qtbot):
    from PySide6.QtWidgets import QPushButton
    top = QWidget()
    qtbot.addWidget(top)
    QLabel("Messages that did not go out", top).setFixedWidth(60)
    QPushButton("Send test to me", top).setGeometry(0, 30, 50, 24)
    top.show()
    assert [p.split(":")[0] for p in clipped(top)] == ["label 'Messages that did not go out'", "button 'Send test to me'"]
