"""What a form needs to know of one pydantic field, read once: its key, title, help, default, type,
what it names and how it is shown; and a validation error in the words a marketer reads."""
from __future__ import annotations

import html
import re
import types
from dataclasses import dataclass
from typing import Any, Callable, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from switchback.nodes.durations import Duration, Offset, TimeOfDay
from switchback.nodes.fields import picks_of, role_of, shows_of

UNSET: Any = type("Unset", (), {"__repr__": lambda self: "UNSET", "__bool__": lambda self: False})()
TEXT_FORMATS = [(get_args(Duration)[1], "2d"), (get_args(Offset)[1], "-1d"), (get_args(TimeOfDay)[1], "09:00")]


# --- what a field is ---------------------------------------------------------------------------
@dataclass
class FieldSpec:
    """A pydantic field, read once: what the editors and the form need of it."""
    name: str
    key: str                                   # as in the file (the alias: `from`)
    title: str
    description: str
    required: bool
    default: Any                               # UNSET when required
    core: Any                                  # the annotation without Optional and Annotated
    metadata: list[Any]
    nullable: bool
    role: str | None                           # condition, template, json-template
    picks: str | None                          # what the value names: connector:email, event, journey, field
    shows: str | None                          # how to show it where the type does not say (nodes/fields.py)
    check: Callable[[Any], str | None]         # the field's own validation, for live feedback

    @property
    def lines(self) -> int:
        return 8 if self.shows in ("lines", "html") else 4 if self.role == "json-template" else 1


def _unwrap(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(core annotation, Annotated metadata, whether None is allowed)."""
    meta: list[Any] = []
    nullable = False
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(get_args(annotation))
        if len(args) == 1:
            annotation = args[0]
    if hasattr(annotation, "__metadata__"):
        meta, annotation = list(annotation.__metadata__), get_args(annotation)[0]
    return annotation, meta, nullable


def field_spec(model: type[BaseModel], name: str, field: FieldInfo) -> FieldSpec:
    core, meta, nullable = _unwrap(field.annotation)
    key = field.alias or name
    required = field.is_required()
    return FieldSpec(
        name=name, key=key, title=field.title or name.replace("_", " ").capitalize(),
        description=field.description or "", required=required,
        default=UNSET if required else field.get_default(call_default_factory=True),
        core=core, metadata=list(field.metadata) + meta, nullable=nullable, role=role_of(field), picks=picks_of(field),
        shows=shows_of(field), check=_field_check(model, key))


def _field_check(model: type[BaseModel], key: str) -> Callable[[Any], str | None]:
    """The model's verdict on this one field's value (its type, constraints and field validators)."""
    def check(value: Any) -> str | None:
        try:
            model.model_validate({key: value})
        except ValidationError as e:
            for err in e.errors():
                if err["loc"][:1] == (key,):
                    return _reason(err)
        return None
    return check


def _reason(err: Any) -> str:
    kind, ctx = err["type"], err.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "required"
    if kind == "too_short":
        return f"add at least {ctx.get('min_length')}"
    text = err["msg"].removeprefix("Value error, ")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def submodel(annotation: Any) -> type[BaseModel] | None:
    core, _, _ = _unwrap(annotation)
    if get_origin(core) is list:
        core = get_args(core)[0]
    return core if isinstance(core, type) and issubclass(core, BaseModel) else None


def _field_by_key(model: type[BaseModel], key: Any) -> FieldInfo | None:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


def explain(model: type[BaseModel], err: Any) -> str:
    """One validation error as a marketer reads it: `Case 2 › Condition: required`."""
    loc = err["loc"]
    if err["type"] == "extra_forbidden":
        return f"'{loc[-1]}' is not a known setting; editing here removes it"
    parts: list[str] = []
    current: type[BaseModel] | None = model
    for item in loc:
        if isinstance(item, int) and parts:
            parts[-1] = f"{singular(parts[-1])} {item + 1}"
            continue
        field = _field_by_key(current, item) if current else None
        if field is None:
            continue                                   # a union member's tag, such as `list[str]`
        parts.append(field.title or str(item))
        current = submodel(field.annotation)
    reason = _reason(err)
    return f"{' › '.join(parts)}: {reason}" if parts else reason[:1].upper() + reason[1:]


def singular(title: str) -> str:
    return title[:-1] if title.endswith("s") else title


def rich_help(text: str) -> str:
    """Help text as shown: `code` in a fixed font, everything else escaped."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=False))

