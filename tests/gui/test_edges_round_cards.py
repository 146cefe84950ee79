"""An edge that skips a row of the layout goes round the cards in its way: drawn behind one, it would
look like it enters that card, and a branch would seem to lead twice to the same step (issue 20: the
converted journey read as simpler than its source)."""
from __future__ import annotations

from PySide6.QtCore import QRectF

from switchback.canvas.items import CARD_H, CARD_W
from switchback.canvas.layout import layout
from switchback.canvas.model import JourneyModel
from switchback.canvas.scene import JourneyScene
from switchback.connectors.convert import convert
from switchback.runtime import document
from tests.conftest import DATA, ROOT


def crossings(journey) -> list[tuple[str, str, str]]:
    """(edge source, edge target, card) for every card an edge's curve runs through."""
    for node_id, pos in layout(journey).items():
        journey.node(node_id).position = pos
    scene = JourneyScene(JourneyModel(journey))
    out = []
    for item in scene.edges.values():
        e = item.edge
        for card_id, card in scene.cards.items():
            if card_id in (e.source, e.target):
                continue
            inside = QRectF(card.x() + 2, card.y() + 2, CARD_W - 4, CARD_H - 4)
            if any(inside.contains(item.path().pointAtPercent(i / 200)) for i in range(201)):
                out.append((e.source, e.target, card_id))
    return out


def test_skipping_edges_of_a_converted_journey_go_round_the_cards_between(qtbot):
    journey, _ = convert(DATA / "convert" / "dittofeed" / "three-splits-last-both-exit.json", "dittofeed")
    # the yes of the first split skips the email of its no path; the no of the second skips the email of its yes
    assert journey.next_node("df-split-node-1", "yes") == "df-split-node-2"
    assert crossings(journey) == []


def test_templates_have_no_edge_behind_a_card(qtbot):
    for path in sorted((ROOT / "resources" / "templates").glob("*.journey.json")):
        assert crossings(document.load(path)) == [], path.name
