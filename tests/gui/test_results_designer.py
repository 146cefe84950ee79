"""The published journey's results in the designer, on a workspace of 3,000 contacts the real
scheduler ran: the cards' live counts, the contacts at a node (and their trace), the per-day plot,
the alerts, a refresh that never stalls the GUI thread, and nothing drawn on a draft that differs."""
import time

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from switchback.app.designer import build_window
from tests.support.results_workspace import build


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "w.sqlite"
    build(path, n=3000)
    return str(path)


@pytest.fixture
def window(qtbot, workspace):
    w = build_window(workspace=workspace)
    qtbot.addWidget(w)
    w.resize(1440, 900)
    w.show()
    with qtbot.waitSignal(w.results.applied, timeout=20000):
        pass
    return w


def refreshed(qtbot, w, act=None):
    with qtbot.waitSignal(w.results.applied, timeout=20000) as blocker:
        (act or w.results.refresh)()
    return blocker.args[0]


def test_live_counts_on_the_cards_and_connections(window):
    w = window
    cards, edges = w.editor.scene.cards, w.editor.scene.edges.values()
    assert cards["wait"].live[0] == "2,680 here now · 3,000 entered"
    failed = w.results.last.results["nodes"]["mail_a"]["failed"]
    assert 0 < failed <= 6 and cards["mail_a"].live[1] == f"1,376 sent · 549 opened · 172 clicked · {failed} failed"
    assert cards["split"].live[1] == "a 11.2 %, best 83% · b 10.1 %, best 17%"
    took = {(e.edge.source, e.edge.target): e.live for e in edges}
    assert took[("split", "mail_a")] == 1538 and took[("split", "mail_b")] == 1462
    assert took[("start", "split")] == 3000
    assert w.results.timer.isActive() and w.results.timer.interval() <= 5000


def test_a_refresh_never_stalls_the_gui_thread(qtbot, window):
    w = window
    gaps, clock = [], QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick():
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now
    ticker = QTimer(interval=2, timeout=tick)
    ticker.start()
    for _ in range(3):
        started = time.perf_counter()
        live = refreshed(qtbot, w)
        assert time.perf_counter() - started < 5
    w.editor.scene.cards["wait"].setSelected(True)
    refreshed(qtbot, w)
    qtbot.wait(20)
    ticker.stop()
    assert live.results["enrolled"] == 3000
    assert len(gaps) > 20 and max(gaps) < 50, f"longest stall {max(gaps)} ms"


def test_contacts_at_a_node_search_and_trace(qtbot, window):
    w = window
    live = refreshed(qtbot, w, lambda: w.editor.scene.cards["wait"].setSelected(True))
    panel = w.results.panel
    assert live.node == "wait" and panel.contacts.count() == 200
    assert panel.heading.text().startswith("2,680 contacts here now (the first 200 shown")
    assert panel.contacts.item(0).text().startswith("c02999@example.test · C2999 Noether · since ")
    panel.search.setText("c0299")
    with qtbot.waitSignal(w.results.applied, timeout=20000):
        pass
    texts = [panel.contacts.item(i).text() for i in range(panel.contacts.count())]
    assert 5 <= len(texts) <= 10 and all(t.startswith("c0299") for t in texts)       # the converted left
    assert panel.heading.text().startswith(f"2,680 contacts here now, {len(texts)} match.")
    item = panel.contacts.item(0)
    panel.contacts.itemDoubleClicked.emit(item)
    view = w.contacts
    assert view.isVisible() and view.chosen() == item.data(Qt.UserRole)
    assert "entered" in view.history.toPlainText().lower()


def test_the_plot_the_figures_and_the_alerts(qtbot, window):
    w = window
    panel = w.results.panel
    days = panel.plot.days
    assert len(days) == 4 and sum(e for _, e, _c in days) == 3000 and sum(c for *_, c in days) == 320
    text = panel.figures.text()
    assert "<b>3,000</b> enrolled" in text and "Converted <b>320</b>: 10.7 %" in text.replace("10.7%", "10.7 %")
    assert "Held out 327" in text
    assert w.results.strip.isVisible() and "messages handed to senders in the last hour failed" in w.results.strip.text()
    assert w.results.flag.text().startswith("⚠ 2 alerts:")


def test_a_draft_that_differs_shows_no_counts(qtbot, window):
    w = window
    live = refreshed(qtbot, w, lambda: w.editor.set_label("wait", "Wait for a click"))
    assert not live.shown and all(c.live is None for c in w.editor.scene.cards.values())
    assert all(e.live is None for e in w.editor.scene.edges.values())
    assert "The draft differs from the published version" in w.results.panel.figures.text()
    live = refreshed(qtbot, w, w.editor.undo.undo)
    assert live.shown and w.editor.scene.cards["wait"].live is not None


def test_a_simulations_counts_stay_on_the_connections_through_live_refreshes(qtbot, window):
    """A simulation and the live results each keep their own count; the simulation's shows while it
    is on the canvas (a refresh used to overwrite it, and redraw every connection each time)."""
    w = window
    scene = w.editor.scene
    scene.set_counts({"split": 40}, {("split", "a"): 25, ("split", "b"): 15})
    refreshed(qtbot, w)
    by_target = {e.edge.target: e for e in scene.edges.values()}
    assert by_target["mail_a"].shown == 25 and by_target["mail_a"].live == 1538
    w.clear_simulation()
    assert by_target["mail_a"].shown == 1538
