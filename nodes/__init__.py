"""The node catalogue: every kind of journey node, declared once.

Importing this package registers every kind; `registry.kinds()` is the one list that the palette,
the validator, the engine and the file loader read.
"""
from switchback.nodes import actions, branches, flow, triggers, waits  # noqa: F401  (registration)
from switchback.nodes.registry import get, kinds

__all__ = ["get", "kinds"]
