"""The intake server's sources and the events it acknowledged (SPEC 10): the tables, beside the core ones in models.py."""
from __future__ import annotations

from switchback.runtime.store.models import Base  # noqa: F401  (the tables below join Base.metadata)
