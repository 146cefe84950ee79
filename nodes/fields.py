"""Markers on config fields that hold code: the validator compiles them, the inspector edits them.

nodes/ imports nothing of ours, so it cannot compile a condition itself; it says which fields are
conditions or templates, and runtime/ checks them.
"""
from __future__ import annotations

from typing import Annotated, Any, get_args, get_origin

from pydantic import Field


class _Marker:
    def __init__(self, role: str):
        self.role = role

    def __repr__(self) -> str:
        return f"<{self.role}>"


CONDITION = _Marker("condition")
TEMPLATE = _Marker("template")
JSON_TEMPLATE = _Marker("json-template")

Condition = Annotated[str, CONDITION]
Template = Annotated[str, TEMPLATE]
JsonTemplate = Annotated[str, JSON_TEMPLATE]


def role_of(field: Any) -> str | None:
    """The code role of a pydantic field (`condition`, `template`, `json-template`), or None for
    plain data. The marker may sit in the field's metadata or inside an Optional."""
    for m in field.metadata:
        if isinstance(m, _Marker):
            return m.role
    return _role_in(field.annotation)


def _role_in(annotation: Any) -> str | None:
    if get_origin(annotation) is Annotated:
        for m in annotation.__metadata__:
            if isinstance(m, _Marker):
                return m.role
    for arg in get_args(annotation):
        if get_origin(annotation) is not dict and (role := _role_in(arg)):
            return role
    return None


def dict_values_role(field: Any) -> str | None:
    """The role of a dict field's values (`set: {field: template}`), or None."""
    for candidate in (field.annotation, *get_args(field.annotation)):
        if get_origin(candidate) is dict:
            return _role_in(get_args(candidate)[1])
    return None


def described(title: str, description: str = "", picks: str | None = None, shows: str | None = None,
              **kw: Any) -> Any:
    """A pydantic Field with the title and help the inspector shows. `picks` says what the value
    names — `connector:email` (a connector that sends email), `event`, `journey`, `field`, `owner`, `recipient` — so
    the inspector offers the workspace's own. `shows` says how the inspector shows it where the
    type alone does not: `lines` (a template of several lines), `html` (an HTML template),
    `weekdays` (a toggle per day), `all:<label>` (a list, or every one: the check box's words)."""
    extra = {k: v for k, v in (("picks", picks), ("shows", shows)) if v}
    if extra:
        kw["json_schema_extra"] = extra
    return Field(title=title, description=description, **kw)


def picks_of(field: Any) -> str | None:
    extra = field.json_schema_extra
    return extra.get("picks") if isinstance(extra, dict) else None


def shows_of(field: Any) -> str | None:
    extra = field.json_schema_extra
    return extra.get("shows") if isinstance(extra, dict) else None
