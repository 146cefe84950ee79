"""`branch.engaged`, a kind added as one file in nodes/ plus its icon: the engine routes by the contact's
recent clicks and opens, the simulation counts each way, the palette finds it and the inspector edits it."""
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QWidget

from switchback import nodes
from switchback.runtime.contacts import Event
from switchback.runtime.document import from_dict
from switchback.runtime.simulation import simulate
from switchback.runtime.simulation_summary import summarise
from switchback.runtime.validation import validate

START = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
JOURNEY = {
    "format": "switchback.journey/1", "key": "nurture", "name": "Nurture",
    "nodes": [{"id": "start", "kind": "trigger.event", "config": {"event": "webinar_attended"}},
              {"id": "engaged", "kind": "branch.engaged", "config": {"within": "7d"}}]
             + [{"id": port, "kind": "action.email", "config": {"connector": "smtp", "subject": port, "body": "."}}
                for port in ("clicked", "opened", "neither")],
    "edges": [{"from": "start", "to": "engaged"}] + [{"from": "engaged", "port": p, "to": p}
                                                    for p in ("clicked", "opened", "neither")],
}


def _run():
    journey = from_dict(JOURNEY)
    contacts = [{"email": f"{who}@c.test", "consent_email": "subscribed"} for who in ("clicker", "opener", "quiet", "old")]
    history = [Event("clicker@c.test", "email_opened", START - timedelta(days=2)),
               Event("clicker@c.test", "email_clicked", START - timedelta(days=2)),
               Event("opener@c.test", "email_opened", START - timedelta(days=6)),
               Event("old@c.test", "email_clicked", START - timedelta(days=9))]   # outside the 7 days
    events = history + [Event(c["email"], "webinar_attended", START + timedelta(hours=1)) for c in contacts]
    return journey, events, simulate([journey], contacts, events, START, 1, keep_timeline=True)


def test_the_engine_routes_by_recent_clicks_then_opens():
    journey, _, result = _run()
    assert validate(journey) == []
    assert sorted((m.contact, m.payload["subject"]) for m in result.messages) == [
        ("clicker@c.test", "clicked"), ("old@c.test", "neither"), ("opener@c.test", "opened"),
        ("quiet@c.test", "neither")]


def test_the_simulation_counts_each_way_out():
    journey, events, result = _run()
    summary = summarise(result, journey, events)
    assert {port: summary.edges.get(("engaged", port), 0) for port in ("clicked", "opened", "neither")} == \
        {"clicked": 1, "opened": 1, "neither": 2}


def test_the_palette_finds_it_and_the_inspector_edits_it(qtbot):
    from switchback.app.palette import Palette
    from switchback.canvas.config_form import ConfigForm
    from switchback.canvas.editor import JourneyEditor
    palette = Palette()
    qtbot.addWidget(palette)
    qtbot.keyClicks(palette.search, "opened")
    assert "branch.engaged" in palette.visible_kinds()
    kind = nodes.get("branch.engaged")
    form = ConfigForm(kind.config, kind.starter)
    qtbot.addWidget(form)
    assert form.findChild(QWidget, "field-within").accessibleName() == "Within"
    assert form.config() == {"within": "7d"}
    editor = JourneyEditor(from_dict(JOURNEY))
    added = editor.add_node("branch.engaged", QPointF(0, 400))
    assert editor.journey.node(added).ports() == ["clicked", "opened", "neither"]
    assert editor.journey.node(added).config == {"within": "7d"}
