"""Cards say a journey in words: a condition as the rows say it, a template's field as ‹first_name›;
they showed `If events('email_clicked', within='7d') >= 1 and contact.c…` and raw `{{ … }}`."""
from switchback.app.workspace import templates
from switchback.canvas.editor import JourneyEditor


def cards(key: str) -> dict[str, str]:
    editor = JourneyEditor(next(t for t in templates() if t.key == key))
    return {node_id: card.summary for node_id, card in editor.scene.cards.items()}


def test_conditions_and_templates_read_as_words_on_the_cards(qtbot):
    nurture = cards("lead-nurture")
    assert nurture["download"] == "When form_submitted where form is any of ebook, guide, whitepaper"
    assert nurture["is-hot"] == "If score at least 50"
    assert cards("abandoned-cart")["sms-ok"] == "If consent_sms is subscribed and phone is set"
    assert cards("webinar-followup")["thanks"] == 'Email: Thanks for joining "‹webinar_title›"'
    assert cards("onboarding")["used-yet"] == "If events('feature_used') > 0"        # the rows cannot say it: code
    everything = [s for t in templates() for s in cards(t.key).values()]
    assert not [s for s in everything if "{{" in s or "contact." in s]


def test_a_blank_journey_says_where_to_start_until_it_has_a_node(qtbot, tmp_path):
    from PySide6.QtCore import QPointF

    from switchback.app.designer import build_window
    from switchback.nodes import declared as K
    w = build_window(workspace=str(tmp_path / "w.sqlite"))
    qtbot.addWidget(w)
    w.show()
    assert not w.view.hint.isVisible()                             # the welcome series has nodes
    w.create_from(None)
    qtbot.waitUntil(w.view.hint.isVisible)
    assert w.view.hint.text().startswith("Start here: drag a trigger")
    w.editor.add_node(K.EVENT.name, QPointF(0, 0))
    assert not w.view.hint.isVisible()
    w.editor.undo.undo()
    assert w.view.hint.isVisible()
