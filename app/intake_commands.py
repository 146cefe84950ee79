"""The intake server on the command line (SPEC 10): serve, and the sources that may send to it."""
from __future__ import annotations
