"""`switchback convert`: another platform's exported campaign, journey or flow as a journey.

Each platform's format lives in its own module beside that platform's other code; this package
only reads the file and dispatches. A converter takes the parsed JSON and the file's name and
returns the journey and its warnings, one line each (`FILE:<source node>: what was not carried
over`); it raises InputError when the file is not that platform's format at all."""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Callable

from switchback.runtime.document import Journey
from switchback.runtime.problems import InputError, parse_json, read_text

# platform name -> (module, what its export is called), imported when used
PLATFORMS: dict[str, tuple[str, str]] = {
    "mautic": ("switchback.connectors.convert.mautic", "Mautic campaign"),
    "dittofeed": ("switchback.connectors.convert.dittofeed", "Dittofeed journey"),
    "hubspot": ("switchback.connectors.convert.hubspot_flows", "HubSpot workflow (automation v4 flow)"),
}


def converter(platform: str) -> Callable[[Any, str], tuple[Journey, list[str]]]:
    if platform not in PLATFORMS:
        raise InputError("--from", f"unknown platform {platform!r} (use {', '.join(PLATFORMS)})")
    return importlib.import_module(PLATFORMS[platform][0]).convert_data


def read_json(path: str | Path) -> Any:
    path = Path(path)
    return parse_json(read_text(path, encoding="utf-8-sig"), str(path))


def convert(path: str | Path, platform: str) -> tuple[Journey, list[str]]:
    """The journey the file describes, and one warning line per thing not carried over."""
    convert_data = converter(platform)
    return convert_data(read_json(path), str(path))


__all__ = ["convert", "converter", "PLATFORMS", "read_json"]
