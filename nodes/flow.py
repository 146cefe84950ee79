"""Flow: the explicit end of a path."""
from switchback.nodes.outcomes import End
from switchback.nodes.registry import Config, NodeKind, register


class ExitConfig(Config):
    pass


EXIT = register(NodeKind(
    name="exit", title="Exit", category="Flow", keywords="stop end finish done", ends=True,
    help="Ends the path here; the contact has completed the journey.",
    config=ExitConfig, run=lambda ctx, cfg: End(), ports=lambda cfg: [], summary=lambda c: "End of journey",
))
