"""What every screenshot script shares: an offscreen Qt application in a theme, a short wait for the
window to settle, and a command line that renders each theme in its own process (Qt sets the
palette once per process).

    .venv/bin/python packaging/SCRIPT.py [OUT_DIR]     (default docs/screenshots)
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
SIZES = ((1280, 720), (1920, 1080))


def application(theme: str):
    os.environ["SWITCHBACK_THEME"] = theme
    from PySide6.QtWidgets import QApplication

    from switchback.app.theme import apply_theme
    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_theme(app)
    return app


def settle(ms: int = 150) -> None:
    from PySide6.QtCore import QEventLoop, QTimer
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def run(script: str, shoot: Callable[[str, Path], None]) -> None:
    """`script [OUT_DIR [THEME]]`: with a theme, shoot it here; without, each theme in a process."""
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    if len(sys.argv) > 2:
        application(sys.argv[2])
        shoot(sys.argv[2], out)
    else:
        for theme in ("light", "dark"):
            subprocess.run([sys.executable, script, str(out), theme], check=True)
        print(f"screenshots in {out}")
