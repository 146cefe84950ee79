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
