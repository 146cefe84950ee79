"""Keeping the workspace running without the designer open: switchback service install|uninstall (SPEC 9)."""
from __future__ import annotations
