"""The simulation panel splits each node's contacts by where they ended: waiting, completed,
converted, exited, skipped — the counts a marketer reads to see what a journey did."""
from switchback.app.designer import build_window
from switchback.app.workspace import templates
from tests.gui.test_designer_simulation import simulate_in_designer


def shown(table) -> dict[str, dict[str, str]]:
    """Node -> column -> count, as the table shows them (columns of outcomes nobody met are hidden)."""
    heads = {c: table.horizontalHeaderItem(c).text() for c in range(table.columnCount()) if not table.isColumnHidden(c)}
    return {table.item(r, 0).text(): {heads[c]: table.item(r, c).text() for c in heads if c}
            for r in range(table.rowCount())}


def test_counts_split_into_waiting_exited_and_skipped(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))     # the welcome series: customers exit at once
    qtbot.addWidget(w)
    simulate_in_designer(qtbot, w, days=9)
    table = shown(w.simulation.nodes)
    assert list(table["Signed up"]) == ["Entered", "Waiting", "Completed", "Exited", "Skipped"]
    assert table["Signed up"]["Exited"] == "1"                 # the customer: exit_when
    assert table["Welcome email"]["Skipped"] == "1"            # the unsubscribed contact
    assert table["Wait 2 days"]["Waiting"] == table["Wait 3 days"]["Waiting"] == "1"   # still on their way at the end
    assert table["What's next"]["Completed"] == "4"


def test_counts_split_into_converted(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.create_from(next(t for t in templates() if t.key == "abandoned-cart"))
    simulate_in_designer(qtbot, w)
    table = shown(w.simulation.nodes)
    assert list(table["Order in 1 hour?"]) == ["Entered", "Converted", "Skipped"]
    assert table["Order in 1 hour?"]["Converted"] == "2" and table["Cart reminder"]["Skipped"] == "1"


def test_a_journey_started_by_hand_says_the_simulation_enrolled_everyone(qtbot, tmp_path):
    """The designer enrolled everyone in a by-hand journey while the audit said nobody is; now it says so."""
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.create_from(next(t for t in templates() if t.key == "renewal-reminder"))
    assert "Started by hand" not in w.simulation.heading.text()
    from switchback.nodes import declared as K
    from switchback.runtime.document import Edge, Node
    journey = w.editor.journey
    w.editor.model.add_node(Node(id="by-hand", kind=K.MANUAL.name, config={}, position=[400, 0]))
    w.editor.model.add_edge(Edge(source="by-hand", target=journey.next_node(journey.triggers()[0].id, "next")))
    simulate_in_designer(qtbot, w)
    assert w.simulation.heading.text().endswith(
        "Started by hand: here every contact is enrolled at the start; live, only those a person or another journey "
        "enrolls")


def test_clicking_a_message_says_which_way_that_contact_went_at_each_branch(qtbot, tmp_path):
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    w.create_from(next(t for t in templates() if t.key == "lead-nurture"))
    simulate_in_designer(qtbot, w)
    panel = w.simulation
    assert not panel.path.isVisible()
    said = set()
    for row in range(panel.count()):
        panel.messages.clicked.emit(panel.model.index(row))
        said.add(panel.path.text())
    assert panel.path.isVisible()
    assert any("Downloaded guide → +10 for download → Thank-you email → Click in 3 days?" in t for t in said)
    branches = [t for t in said if "Score 50 or more?" in t]
    assert branches and all("Score 50 or more? yes (score at least 50)" in t or
                            "Score 50 or more? no (score at least 50)" in t or t.endswith("Score 50 or more?")
                            for t in branches)
