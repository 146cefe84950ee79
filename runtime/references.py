"""What a journey names that the workspace does not have: a connector no message could go out
through, a journey to enroll in that is not there, and a contact field misspelled in a template or
a condition ("did you mean first_name?"). The designer lists these with the other problems and
Publish waits for them; `names` is what the workspace holds (runtime/workspace_names plus the
connectors by channel)."""
from __future__ import annotations

import difflib
from typing import Any

from jinja2 import Environment, nodes as j
from jinja2.exceptions import TemplateError

from switchback.nodes.fields import picks_of, role_of
from switchback.runtime.document import Journey
from switchback.runtime.problems import Problem

_PARSER = Environment()


def _fields_read(code: str, role: str) -> set[str]:
    """The `contact.X` a template or condition reads (nothing when it does not parse: validation says so)."""
    try:
        tree = _PARSER.parse("{{ (" + code + ") }}" if role == "condition" else code)
    except TemplateError:
        return set()
    return {n.attr for n in tree.find_all(j.Getattr) if isinstance(n.node, j.Name) and n.node.name == "contact"}


def _nearest(name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def check(journey: Journey, names: dict[str, list[str]]) -> list[Problem]:
    problems: list[Problem] = []
    any_connector = any(k.startswith("connector:") and v for k, v in names.items())
    fields = names.get("field", [])
    for node in journey.nodes:
        kind = node.declaration
        if kind is None:
            continue
        for name, field in kind.config.model_fields.items():
            key = field.alias or name
            value: Any = node.config.get(key)
            if not isinstance(value, str) or not value.strip():
                continue
            picks, role, title = picks_of(field), role_of(field), field.title or name
            if picks and picks.startswith("connector:") and any_connector and value not in names.get(picks, []):
                channel = picks.split(":", 1)[1]
                problems.append(Problem(node.id, f"{title}: no connector named {value!r} sends {channel} in this "
                                                 f"workspace{_nearest(value, names.get(picks, []))}"))
            elif picks == "journey" and value not in names.get("journey", []):
                problems.append(Problem(node.id, f"{title}: no journey {value!r} in this workspace"
                                                 f"{_nearest(value, names.get('journey', []))}"))
            elif role in ("template", "json-template", "condition") and fields:
                for read in sorted(_fields_read(value, role) - set(fields)):
                    hint = _nearest(read, fields)
                    if hint:            # an unknown field may be one a CRM brings later; a near miss is a typo
                        problems.append(Problem(node.id, f"{title}: no contact has the field {read}{hint}"))
    return problems
