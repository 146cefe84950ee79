"""Simulation in the designer: it runs off the GUI thread with progress, then counts appear on the
nodes and edges, the messages are listed, and clicking one highlights that contact's path."""
from app.designer import build_window
from app.simulate import SimulateDialog


def test_simulating_shows_counts_messages_and_one_contacts_path(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))      # the sample workspace: welcome series
    qtbot.addWidget(w)
    w.show()
    journey = w.editor.journey
    from runtime.document import Edge, Node
    w.editor.model.add_node(Node(id="by-hand", kind="trigger.manual", config={}, position=[400, 0]))
    first = journey.triggers()[0].id
    w.editor.model.add_edge(Edge(source="by-hand", target=journey.next_node(first, "next")))
    contacts = w.workspace.contacts()
    dialog = SimulateDialog(w, w.editor.journey, w.workspace)
    dialog.finished_with.connect(w.show_simulation)
    dialog.days.setValue(10)
    with qtbot.waitSignal(dialog.finished_with, timeout=20000):
        dialog.run(contacts)
    assert dialog.progress.value() == 100
    scene = w.editor.scene
    reachable = {c.node_id: c.count for c in scene.cards.values()}
    assert reachable["by-hand"] == len(contacts)
    subscribed = sum(1 for c in contacts if c.get("consent_email") != "unsubscribed")
    assert w.messages.count() >= subscribed                         # the welcome email, at least
    assert all(item.count is not None for item in scene.edges.values())
    customers = sum(1 for c in contacts if c.get("lifecycle_stage") == "customer")   # exit_when: they leave at once
    assert sum(item.count for item in scene.edges.values() if item.edge.source == "by-hand") == len(contacts) - customers
    item = w.messages.item(0)
    w._message_clicked(item)
    on_path = [c.node_id for c in scene.cards.values() if c.on_path]
    assert "by-hand" in on_path and len(on_path) >= 3
    w.clear_simulation()
    assert all(c.count is None and not c.on_path for c in scene.cards.values())


def test_a_webhook_step_is_listed_with_the_emails_it_sits_among(qtbot, tmp_path):
    """A webhook's body is JSON, not text: the messages list shows it on one line like the rest."""
    from app.workspace import templates
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    w.create_from(next(t for t in templates() if t.key == "renewal-reminder"))
    people = [{"email": f"p{i}@example.com", "first_name": f"P{i}", "company": f"Co {i}",
               "renewal_date": "2026-01-20", "consent_email": "subscribed"} for i in range(3)]
    dialog = SimulateDialog(w, w.editor.journey, w.workspace)
    dialog.finished_with.connect(w.show_simulation)
    dialog.days.setValue(40)
    from datetime import datetime
    dialog.start.setDateTime(datetime(2025, 12, 15))
    with qtbot.waitSignal(dialog.finished_with, timeout=20000) as done:
        dialog.run(people)
    result = done.args[0]
    webhooks = [m for m in result.messages if m.channel == "webhook"]
    assert len(webhooks) == 3
    rows = [w.messages.item(i).text() for i in range(w.messages.count())]
    assert len(rows) == len(result.messages)
    assert sum('"type": "renewal_task"' in r for r in rows) == 3 and all("\n" not in r for r in rows)
    assert not any("None" in r for r in rows)
    assert w.status.text() == f"Simulated 3 contacts: {len(result.messages)} messages"
