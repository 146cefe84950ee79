"""Conditions as rows a marketer fills in — field, operator, value, joined by all/any, in nested
groups — and their two-way conversion to SPEC conditions (section 3), so the builder in the
designer writes the same text a person would and opens any condition it can express.

`parse` reads a condition's Jinja expression tree and returns None for anything the rows cannot
say (arithmetic, functions other than `events`, comparisons between two fields, `not` of a
group...): the designer then keeps the code view, and says why."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Union

from jinja2 import Environment, nodes as j
from jinja2.exceptions import TemplateError

# Operators, in the words the builder shows, and which value each takes.
OPERATORS: dict[str, str] = {
    "is": "one", "is not": "one", "is any of": "list", "is none of": "list",
    "contains": "one", "does not contain": "one", "has tag": "one", "does not have tag": "one",
    "greater than": "number", "at least": "number", "less than": "number", "at most": "number",
    "is set": "none", "is empty": "none",
    "did": "event",                  # did EVENT at least N times [within D]
}
_COMPARE = {"eq": "is", "ne": "is not", "gt": "greater than", "gteq": "at least", "lt": "less than", "lteq": "at most"}
_SYMBOL = {v: k for k, v in {"==": "is", "!=": "is not", ">": "greater than", ">=": "at least", "<": "less than",
                             "<=": "at most"}.items()}


@dataclass
class Rule:
    """`subject` is a contact field (`country`), an event property (`event.properties.form`) or,
    for `did`, an event type. For `did`, `value` is how many times and `within` the window."""
    subject: str
    op: str
    value: Any = None
    within: str | None = None


@dataclass
class Group:
    join: str = "all"                 # all | any
    items: list[Union[Rule, "Group"]] = field(default_factory=list)


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "none"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(value)


def _subject(name: str) -> str:
    return name if name.startswith(("event.", "contact.")) else f"contact.{name}"


# How the other operators read, {s} being the subject: against a list of values, or one value.
_LISTS = {"is any of": "{s} in {values}", "is none of": "{s} not in {values}"}
_READS = {"contains": "{value} in {s}", "does not contain": "{value} not in {s}",
          "has tag": "{value} in contact.tags", "does not have tag": "{value} not in contact.tags",
          "is set": "{s} is not none", "is empty": "{s} is none"}


def render_rule(r: Rule) -> str:
    s = _subject(r.subject)
    if r.op in _SYMBOL:
        return f"{s} {_SYMBOL[r.op]} {_literal(r.value)}"
    if r.op in _LISTS:
        return _LISTS[r.op].format(s=s, values=_literal(list(r.value or [])))
    if r.op in _READS:
        return _READS[r.op].format(s=s, value=_literal(r.value))
    if r.op == "did":
        within = f", within={_literal(r.within)}" if r.within else ""
        return f"events({_literal(r.subject)}{within}) >= {int(r.value or 1)}"
    raise ValueError(f"unknown operator {r.op!r}")


def render(g: Group | Rule) -> str:
    """The SPEC condition for a group: `a and b`, `(a or b) and c`; an empty group is no condition."""
    if isinstance(g, Rule):
        return render_rule(g)
    parts = [render(i) for i in g.items if not (isinstance(i, Group) and not i.items)]
    parts = [f"({p})" if isinstance(item, Group) and len(item.items) > 1 else p
             for p, item in zip(parts, [i for i in g.items if not (isinstance(i, Group) and not i.items)])]
    return (" or " if g.join == "any" else " and ").join(parts)


def parse(text: str) -> Group | None:
    """The rows for a condition, or None when it says something the rows cannot."""
    if not text or not text.strip():
        return Group()
    try:
        tree = Environment().parse("{{ (" + text + ") }}")
    except TemplateError:
        return None
    body = tree.body[0].nodes[0] if tree.body and isinstance(tree.body[0], j.Output) and len(tree.body[0].nodes) == 1 else None
    if body is None:
        return None
    node = _node(body)
    if node is None:
        return None
    return node if isinstance(node, Group) else Group("all", [node])


def _node(n: j.Node) -> Rule | Group | None:
    if isinstance(n, (j.And, j.Or)):
        join = "all" if isinstance(n, j.And) else "any"
        items = []
        for side in (n.left, n.right):
            sub = _node(side)
            if sub is None:
                return None
            # `a and b and c` is And(And(a, b), c): one group of three, as it was written.
            if isinstance(sub, Group) and sub.join == join and isinstance(side, type(n)):
                items += sub.items
            else:
                items.append(sub)
        return Group(join, items)
    if isinstance(n, j.Compare) and len(n.ops) == 1:
        return _compare(n.expr, n.ops[0].op, n.ops[0].expr)
    if isinstance(n, j.Test) and n.name == "none" and not n.args:
        subject = _name(n.node)
        return Rule(subject, "is empty") if subject else None
    if isinstance(n, j.Not) and isinstance(n.node, j.Test) and n.node.name == "none" and not n.node.args:
        subject = _name(n.node.node)
        return Rule(subject, "is set") if subject else None
    return None


def _compare(left: j.Node, op: str, right: j.Node) -> Rule | None:
    if op in _COMPARE:
        subject, value = _name(left), _const(right)
        if subject is not None and value is not _NO:
            return Rule(subject, _COMPARE[op], value)
        if op == "gteq" and isinstance(left, j.Call):          # events('type', within='7d') >= N
            return _events(left, right)
        return None
    if op in ("in", "notin"):
        subject, values = _name(right), _const(left)
        if subject is not None and values is not _NO and not isinstance(values, list):
            if subject == "tags":
                return Rule("tags", "has tag" if op == "in" else "does not have tag", values)
            return Rule(subject, "contains" if op == "in" else "does not contain", values)
        subject, values = _name(left), _const(right)
        if subject is not None and isinstance(values, list):
            return Rule(subject, "is any of" if op == "in" else "is none of", values)
    return None


def _events(call: j.Call, count: j.Node) -> Rule | None:
    if not (isinstance(call.node, j.Name) and call.node.name == "events" and len(call.args) == 1):
        return None
    kind, n = _const(call.args[0]), _const(count)
    within = None
    for kw in call.kwargs:
        if kw.key != "within":
            return None
        within = _const(kw.value)
    if not isinstance(kind, str) or not isinstance(n, int) or isinstance(n, bool) or (within is not None and not isinstance(within, str)):
        return None
    return Rule(kind, "did", n, within)


_NO = object()


def _const(n: j.Node) -> Any:
    if isinstance(n, j.Const):
        return n.value
    if isinstance(n, (j.List, j.Tuple)):
        values = [_const(i) for i in n.items]
        return _NO if any(v is _NO for v in values) else values
    if isinstance(n, j.Neg) and isinstance(n.node, j.Const) and isinstance(n.node.value, (int, float)):
        return -n.node.value
    if isinstance(n, j.Name) and n.name in ("none", "true", "false", "None", "True", "False"):
        return {"none": None, "None": None, "true": True, "True": True}.get(n.name, False)
    return _NO


def _name(n: j.Node) -> str | None:
    """`contact.country` -> `country`; `event.properties.form` -> `event.properties.form`."""
    path = []
    while isinstance(n, j.Getattr):
        path.append(n.attr)
        n = n.node
    if not isinstance(n, j.Name) or not path:
        return None
    path.reverse()
    if n.name == "contact" and len(path) == 1:
        return path[0]
    if n.name == "event" and (path == ["type"] or (len(path) == 2 and path[0] == "properties")):
        return "event." + ".".join(path)
    return None
