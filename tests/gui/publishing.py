"""Publishing as a person does it in the designer: Publish, then Publish again in the question
that says what goes live."""
from __future__ import annotations


def publish(w) -> None:
    w.publish_action.trigger()
    box = w.confirm_publish
    if box is not None and box.isVisible():
        box.publish_button.click()
