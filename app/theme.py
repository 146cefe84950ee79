"""The window's palette follows the canvas theme (light or dark, from the system)."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from switchback.canvas.theme import DARK, system_theme


def apply_theme(app: QApplication) -> None:
    theme = system_theme()
    app.setStyle("Fusion")
    if theme is not DARK:
        app.setPalette(app.style().standardPalette())
        return
    p = QPalette()
    colours = {
        QPalette.Window: "#20242C", QPalette.WindowText: "#E6E9EF", QPalette.Base: "#1A1D23",
        QPalette.AlternateBase: "#252A33", QPalette.ToolTipBase: "#2A303B", QPalette.ToolTipText: "#E6E9EF",
        QPalette.Text: "#E6E9EF", QPalette.Button: "#2A303B", QPalette.ButtonText: "#E6E9EF",
        QPalette.BrightText: "#FFFFFF", QPalette.Highlight: "#3B82C4", QPalette.HighlightedText: "#FFFFFF",
        QPalette.Link: "#63B3ED", QPalette.PlaceholderText: "#8A93A3",
    }
    for role, colour in colours.items():
        p.setColor(role, QColor(colour))
    for role in (QPalette.Text, QPalette.WindowText, QPalette.ButtonText):
        p.setColor(QPalette.Disabled, role, QColor("#6B7280"))
    app.setPalette(p)
