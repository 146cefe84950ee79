"""`branch.engaged`: routes on how the contact has lately engaged with email — clicked, else opened,
else neither — read from the engagement events the runtime records (email_clicked, email_opened)."""
from __future__ import annotations

from switchback.nodes.durations import Duration, describe
from switchback.nodes.fields import described
from switchback.nodes.outcomes import Go
from switchback.nodes.registry import Config, NodeKind, register

CLICKED, OPENED = "email_clicked", "email_opened"


class EngagedConfig(Config):
    within: Duration = described("Within", "Count clicks and opens of the last, such as 7d or 30d.")


def _engaged(ctx, cfg: EngagedConfig) -> Go:
    # `within` is a checked duration (digits and a unit), so it is safe inside the condition's text.
    for event, port in ((CLICKED, "clicked"), (OPENED, "opened")):
        if ctx.condition(f"events('{event}', '{cfg.within}') > 0"):
            return Go(port)
    return Go("neither")


ENGAGED = register(NodeKind(
    name="branch.engaged", title="Opened / clicked?", category="Branches", chooses=True,
    keywords="engagement engaged clicked opened email activity",
    help="Sends the contact down clicked if it clicked an email lately, else opened if it opened one, else neither.",
    config=EngagedConfig, run=_engaged, starter={"within": "7d"},
    ports=lambda cfg: ["clicked", "opened", "neither"],
    summary=lambda c: f"Clicked or opened in the last {describe(c.within)}?",
))
