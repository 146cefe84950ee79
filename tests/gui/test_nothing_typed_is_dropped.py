"""Nothing typed is ever dropped: into every text field of every node kind, type a value its field
refuses (a duration, a time, a number, a template, a condition, JSON, an address ... each gets the
first of a list of wrong values that it refuses). The value stays in the journey as typed, the
problems panel names the node as its card does and the field as the form does, and Publish is refused with the reason."""
from typing import get_origin

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QMessageBox, QPlainTextEdit, QWidget

from switchback import nodes
from switchback.app.designer import build_window
from switchback.app.problems import place
from switchback.canvas.field_spec import field_spec
from tests.gui.publishing import publish

WRONG = ["2 days", "25:99", "{{ contact.first_name", "contact.score >", "not a number", "{\"a\": ",
         "-5", "nobody@", "2026-13-45", "x" * 300]


def typeable(w, field: str):
    """The field's text box as a person types into it, if it is one."""
    shown = [b for b in w.node_inspector.findChildren(QWidget, f"field-{field}") if b.isVisible()]
    if len(shown) != 1:
        return None
    box = getattr(shown[0], "input", shown[0])
    if isinstance(box, QComboBox):
        box = box.lineEdit() if box.isEditable() else None
    return box if isinstance(box, (QLineEdit, QPlainTextEdit)) and not box.isReadOnly() else None


def refused(w, node_id: str, field: str) -> str | None:
    """The first wrong value the journey's checks refuse in this field (tried in the document, undone)."""
    node = w.editor.journey.node(node_id)
    before = {(p.where, p.message) for p in w.editor.problems}
    for value in WRONG:
        w.editor.set_config(node_id, dict(node.config, **{field: value}))
        new = [p for p in w.editor.problems if p.where == node_id and (p.where, p.message) not in before]
        w.editor.undo.undo()
        if new:
            return value
    return None


def test_every_refused_value_typed_in_any_field_stays_marks_its_node_and_blocks_publish(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    w.create_from(None)
    tried, titled = [], 0
    for i, kind in enumerate(nodes.kinds()):
        node_id = w.editor.add_node(kind.name, QPointF(0, 260 * i))
        w.editor.scene.select_node(node_id)
        qtbot.waitUntil(lambda: w._inspected == node_id)
        for field, info in kind.config.model_fields.items():
            if get_origin(field_spec(kind.config, field, info).core) in (list, dict):
                continue                                      # rows and lists: each item has its own field
            if typeable(w, field) is None or (value := refused(w, node_id, field)) is None:
                continue
            box = typeable(w, field)
            box.setFocus()
            box.selectAll()
            qtbot.keyClicks(box, value)
            qtbot.keyClick(box, Qt.Key_Return,                   # Enter ends a line; Ctrl+Enter a text area
                           Qt.NoModifier if isinstance(box, QLineEdit) else Qt.ControlModifier)
            typed = w.editor.journey.node(node_id).config.get(field)
            assert typed == value, f"{kind.name}.{field}: typed {value!r}, the journey holds {typed!r}"
            name = place(node_id, w.editor.journey)
            texts = [w.problems.item(r).text() for r in range(w.problems.count())]
            mine = [t for t in texts if t.startswith(f"{name}: ") and "no trigger reaches" not in t]
            assert mine, f"{kind.name}.{field}: {value!r} not in problems: {texts}"
            assert not any("config." in t for t in texts)                 # fields by their titles, not their keys
            titled += any(t.startswith(f"{name}: {info.title}: ") for t in mine)
            tried.append(f"{kind.name}.{field}")
            w.editor.undo.undo()
    print(len(tried), "fields:", ", ".join(tried))
    assert len(tried) >= 20, tried
    assert titled >= len(tried) - 2                  # a few are the whole node's ("give either connector or url")
    assert len({t.rsplit(".", 1)[0] for t in tried}) >= 12                # of that many kinds
    # one left wrong: Publish says why and publishes nothing
    first = w.editor.journey.nodes[-1].id
    w.editor.scene.select_node(first)
    publish(w)
    qtbot.waitUntil(lambda: isinstance(getattr(w, "notice", None), QMessageBox) and w.notice.isVisible())
    assert "problem(s) to fix first" in w.notice.text()
