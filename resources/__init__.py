"""Package data: icons, journey templates, sample workspace data, page templates."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def icon_path(name: str) -> str:
    return str(ROOT / "icons" / name)
