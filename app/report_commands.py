"""The results of live journeys on the command line: switchback report (SPEC 12)."""
from __future__ import annotations
