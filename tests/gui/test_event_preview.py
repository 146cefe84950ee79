"""The inspector's template preview shows `event` as the journey's emails will see it: the
workspace's latest event of the type that enrolls contacts in the journey (SPEC 11)."""
from __future__ import annotations

from datetime import datetime, timezone

from switchback import nodes
from switchback.canvas.code_editors import TemplateEdit
from switchback.canvas.inspector import NodeInspector
from switchback.runtime.contacts import Event
from switchback.runtime.preview_event import preview_event
from switchback.runtime.store import repository as repo
from switchback.runtime.store.workspace import Store
from tests.runtime.test_rules import email, journey, on

AT = datetime(2026, 3, 10, 9, tzinfo=timezone.utc)
DOWNLOAD = journey("download", on("form_submitted", where="event.properties.form in ['ebook', 'guide']"),
                   email("thanks", subject="Thanks for downloading {{ event.properties.form }}"))


def shown(qtbot, event: dict | None) -> str:
    inspector = NodeInspector()
    qtbot.addWidget(inspector)
    inspector.show()
    inspector.show_node("thanks", nodes.get("action.email"), DOWNLOAD.node("thanks").config)
    inspector.set_preview_contacts([{"email": "ada@example.com"}], {"key": "download", "name": "Download", "event": event})
    return inspector.findChild(TemplateEdit, "field-subject").preview.text()


def test_the_preview_renders_the_latest_enrolling_event_of_the_workspace(qtbot, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    assert shown(qtbot, preview_event(store, DOWNLOAD)) == "Thanks for downloading ebook"   # from the trigger's where
    with store.session() as s:
        repo.record_events(s, [Event("ada@example.com", "form_submitted", AT, {"form": "guide"}),
                               Event("ada@example.com", "page_view", AT, {"url": "/"})], AT)
    assert shown(qtbot, preview_event(store, DOWNLOAD)) == "Thanks for downloading guide"
    assert preview_event(store, journey("manual", ("all", "trigger.manual", {}))) is None
