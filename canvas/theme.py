"""Colours of the canvas, light and dark; the designer follows the system's scheme."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtCore import Qt

CATEGORY = {"Triggers": "#2F855A", "Waits": "#B7791F", "Branches": "#6B46C1", "Actions": "#2B6CB0", "Flow": "#C53030"}


@dataclass(frozen=True)
class Theme:
    name: str
    background: QColor
    grid: QColor
    card: QColor
    card_border: QColor
    text: QColor
    muted: QColor
    edge: QColor
    selection: QColor
    problem: QColor
    count: QColor
    path: QColor


LIGHT = Theme("light", QColor("#F7F8FA"), QColor("#E4E7EC"), QColor("#FFFFFF"), QColor("#CBD2DC"), QColor("#1A202C"),
              QColor("#5A6578"), QColor("#8A96A8"), QColor("#3182CE"), QColor("#E53E3E"), QColor("#2C5282"),
              QColor("#DD6B20"))
DARK = Theme("dark", QColor("#1B1F27"), QColor("#262B35"), QColor("#2A303B"), QColor("#414A59"), QColor("#EDF0F5"),
             QColor("#A7B0C0"), QColor("#6D7890"), QColor("#63B3ED"), QColor("#FC8181"), QColor("#90CDF4"),
             QColor("#F6AD55"))


def system_theme() -> Theme:
    """The system's scheme; SWITCHBACK_THEME=light|dark overrides it."""
    import os
    forced = os.environ.get("SWITCHBACK_THEME", "").lower()
    if forced in ("light", "dark"):
        return DARK if forced == "dark" else LIGHT
    app = QGuiApplication.instance()
    if app is not None and app.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return DARK
    return LIGHT
