"""What the providers tell us about a message after it left: the tables, beside the core ones in models.py."""
from __future__ import annotations

from switchback.runtime.store.models import Base  # noqa: F401  (the tables below join Base.metadata)
