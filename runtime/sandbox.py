"""Conditions and templates (SPEC section 3), evaluated in Jinja2's sandbox.

A missing field is `none`, and an ordering comparison with it is false rather than an error, so a
contact without the field takes the `no` or `else` path. Anything that reaches for Python's
internals (`__class__`, `_private`) is refused when the journey is validated, and the sandbox
refuses it again at run time.
"""
from __future__ import annotations

import functools
import operator
import re
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from jinja2 import ChainableUndefined, TemplateError, nodes as jnodes
from jinja2.parser import Parser
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import Namespace

from switchback.nodes.durations import parse_duration
from switchback.runtime import limits
from switchback.runtime.code_hints import explained


class Missing(ChainableUndefined):
    """A field the contact does not have: equal to none, never ordered, empty when printed."""
    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other is None or isinstance(other, Missing)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash(None)

    def _false(self, other: object) -> bool:
        return False

    __lt__ = __le__ = __gt__ = __ge__ = _false


def _instant_like(text: str, like: date) -> date | None:
    """An ISO date or time as the kind of `like` (a date, a naive or an aware datetime), or None."""
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if isinstance(like, datetime):
        return to_datetime(parsed) if like.tzinfo else parsed.replace(tzinfo=None)
    return parsed.date()


def _against_text(op: Callable[[Any, Any], bool], plain: Callable[[Any], Any]):
    def compare(self, other: Any) -> Any:
        if isinstance(other, str):
            other = _instant_like(other, self)
            if other is None:
                return NotImplemented
        return op(plain(self), other)
    return compare


class _Day(date):
    """A date field that also compares with a day written as text: `contact.renewal_date < '2026-02-01'`,
    as the condition rows write "is before"."""
    __slots__ = ()
    __lt__, __le__, __gt__, __ge__, __eq__, __ne__ = (
        _against_text(op, lambda d: date(d.year, d.month, d.day))
        for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne))
    __hash__ = date.__hash__


class _Moment(datetime):
    """A date-and-time field that compares with a time written as text, likewise."""
    __slots__ = ()
    __lt__, __le__, __gt__, __ge__, __eq__, __ne__ = (
        _against_text(op, lambda m: datetime(m.year, m.month, m.day, m.hour, m.minute, m.second, m.microsecond,
                                             m.tzinfo))
        for op in (operator.lt, operator.le, operator.gt, operator.ge, operator.eq, operator.ne))
    __hash__ = datetime.__hash__


def _dated(value: Any) -> Any:
    if isinstance(value, datetime):
        return _Moment(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
                       value.tzinfo)
    if isinstance(value, date):
        return _Day(value.year, value.month, value.day)
    return value


class Fields:
    """Read-only attribute view of a dict for templates: `contact.email`. Plain dict attributes
    such as `items` would hide fields of the same name, so this exposes nothing but the fields."""
    __slots__ = ("_data",)

    def __init__(self, data: dict[str, Any]):
        self._data = data

    def __getitem__(self, name: str) -> Any:
        value = self._data[name]            # KeyError -> the sandbox's Missing
        if value is None:
            raise KeyError(name)
        return Fields(value) if isinstance(value, dict) else _dated(value)

    def __contains__(self, name: str) -> bool:
        return self._data.get(name) is not None

    def __repr__(self) -> str:
        return "<fields>"              # `{{ contact }}` must not print every field of the contact


def _test_none(value: Any) -> bool:
    return value is None or isinstance(value, Missing)


class _Sandbox(SandboxedEnvironment):
    """The stock sandbox, with every hook a render goes through held to runtime/limits.py.
    Intercepted operators are also never folded at compile time, so validating `10**(10**7)` is quick."""
    intercepted_binops = frozenset({"**", "*", "%", "+"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        # The stock sandbox hands back an undefined value, which a lenient Missing would print as
        # nothing; refusing loudly tells the author their template is wrong.
        raise SecurityError(f"access to {attribute!r} is not allowed")

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        limits.binop(operator, left, right)
        return limits.check_size(super().call_binop(context, operator, left, right))

    # Jinja's own signature: the odd names cannot clash with the keyword arguments of the call.
    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        limits.check_call(__obj, args, kwargs)
        return limits.check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        limits.check_time()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        limits.check_time()
        return super().getitem(obj, argument)

    def _parse(self, source: str, name: str | None, filename: str | None) -> jnodes.Template:
        # Every `for` walks its items through `limits.metered`, so a loop checks the deadline too.
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(jnodes.For):
            loop.iter = jnodes.Filter(loop.iter, "metered", [], [], None, None, lineno=loop.lineno)
        return tree


class _Namespace(Namespace):
    """`namespace()`: what a loop keeps in it is held to the size limit (`ns.s ~ ns.s` doubles)."""

    def __setitem__(self, name: str, value: Any) -> None:
        limits.check_time()
        super().__setitem__(name, limits.check_size(value))


def _held_to_limits(f: Callable[..., Any]) -> Callable[..., Any]:
    """A filter that checks the deadline and its arguments first (the value itself is not an
    argument: `{{ contact.revenue|round }}` of any size is fine) and the size of what it made."""
    skip = 2 if getattr(f, "jinja_pass_arg", None) else 1           # context or environment, then the value

    @functools.wraps(f)
    def run(*args: Any, **kwargs: Any) -> Any:
        limits.check_time()
        limits.check_args(args[skip:], kwargs)
        return limits.check_size(f(*args, **kwargs))
    return run


ENV = _Sandbox(undefined=Missing, autoescape=False, keep_trailing_newline=True)
ENV.tests["none"] = _test_none
ENV.filters = {name: _held_to_limits(f) for name, f in ENV.filters.items()}
ENV.filters["metered"] = limits.metered
# Only what a marketer's template needs; every global is copied into each render's context.
ENV.globals = {"range": ENV.globals["range"], "dict": ENV.globals["dict"], "namespace": _Namespace}


class CodeError(ValueError):
    """A condition or template that cannot compile, or reaches where it must not."""


def _internals(tree: jnodes.Node) -> str | None:
    kinds = (jnodes.Getattr, jnodes.Getitem, jnodes.Name)
    for node in [tree, *tree.find_all(kinds)]:
        if not isinstance(node, kinds):
            continue
        if isinstance(node, jnodes.Getattr):
            name = node.attr
        elif isinstance(node, jnodes.Name):
            name = node.name
        else:
            name = node.arg.value if isinstance(node.arg, jnodes.Const) and isinstance(node.arg.value, str) else ""
        if name.startswith("_"):
            return name
    return None


@lru_cache(maxsize=4096)
def compile_condition(expression: str) -> Callable[..., Any]:
    """A callable taking the names of SPEC section 3. Raises CodeError."""
    try:
        parser = Parser(ENV, expression, state="variable")
        tree = parser.parse_expression()
        if parser.stream.current.type != "eof":
            token = parser.stream.current.value
            hint = " (to compare, write ==)" if token == "=" else ""
            raise CodeError(f"does not compile: unexpected {token!r} after the expression{hint}")
    except TemplateError as e:
        raise CodeError(explained(expression, "condition", e.message)) from None
    bad = _internals(tree)
    if bad:
        raise CodeError(f"reaches for Python internals ({bad}), which is not allowed")
    try:
        return ENV.compile_expression(expression, undefined_to_none=False)
    except TemplateError as e:
        raise CodeError(f"does not compile: {e.message}") from None


def _unknown_names(tree: jnodes.Node) -> str | None:
    """A filter or test that does not exist: Jinja only notices when compiling, which is slow."""
    for node in tree.find_all((jnodes.Filter, jnodes.Test)):
        known = ENV.filters if isinstance(node, jnodes.Filter) else ENV.tests
        if node.name not in known:
            return f"no {'filter' if isinstance(node, jnodes.Filter) else 'test'} named {node.name!r}"
    return None


@lru_cache(maxsize=4096)
def parse_template(text: str) -> jnodes.Template:
    """The checked syntax tree of a template. Raises CodeError."""
    try:
        tree = ENV.parse(text)
    except TemplateError as e:
        raise CodeError(explained(text, "template", f"{e.message.rstrip('.')}, line {e.lineno}")) from None
    bad = _internals(tree)
    if bad:
        raise CodeError(f"reaches for Python internals ({bad}), which is not allowed")
    unknown = _unknown_names(tree)
    if unknown:
        raise CodeError(f"does not compile: {unknown}")
    return tree


@lru_cache(maxsize=4096)
def compile_template(text: str):
    """A jinja2 Template. Raises CodeError."""
    parse_template(text)
    try:
        return ENV.from_string(text)
    except TemplateError as e:
        raise CodeError(f"does not compile: {e.message}") from None


def check(code: str, role: str) -> str | None:
    """The problem with a condition or template, or None."""
    try:
        (compile_condition if role == "condition" else parse_template)(code)
        role = "condition" if role == "condition" else "template"
    except CodeError as e:
        return str(e)
    return None


class RunError(RuntimeError):
    """A condition or template that failed while running; the engine parks the contact with it."""


_COMPARISON = re.compile(r"""\s*contact\.([A-Za-z][A-Za-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*"""
                         r"""(-?\d+(?:\.\d+)?|'[^'\\]*'|"[^"\\]*"|true|false|none|True|False|None)\s*""")
_OPERATORS = {"==": operator.eq, "!=": operator.ne, ">=": operator.ge, "<=": operator.le, ">": operator.gt,
              "<": operator.lt}
_WORDS = {"true": True, "false": False, "none": None, "True": True, "False": False, "None": None}


@lru_cache(maxsize=4096)
def _comparison(expression: str) -> tuple[str, Callable[[Any, Any], bool], Any] | None:
    """`contact.FIELD <op> literal`, the commonest condition (and exit_when and goal run before
    every step), as (field, operator, value); None for anything else, which Jinja evaluates."""
    m = _COMPARISON.fullmatch(expression)
    if m is None:
        return None
    field, op, literal = m.groups()
    if literal in _WORDS:
        value = _WORDS[literal]
    elif literal[0] in "'\"":
        value = literal[1:-1]
    else:
        value = float(literal) if "." in literal else int(literal)
    return field, _OPERATORS[op], value


def _compare(found: Any, op: Callable[[Any, Any], bool], value: Any) -> bool:
    """As Jinja would with a Missing for an absent or empty field: equal to none, never ordered."""
    if found is None:
        if op is operator.eq:
            return value is None
        if op is operator.ne:
            return value is not None
        return False
    return bool(op(_dated(found) if isinstance(value, str) else found, value))


def evaluate(expression: str, names: dict[str, Any]) -> bool:
    simple = _comparison(expression)
    contact = names.get("contact")
    if simple is not None and isinstance(contact, Fields):
        found = contact._data.get(simple[0])
        if not isinstance(found, dict):
            try:
                return _compare(found, simple[1], simple[2])
            except Exception as e:              # TypeError: '>=' between text and a number, ...
                raise RunError(f"condition {expression!r} failed: {e}") from None
    try:
        with limits.budget():
            return bool(compile_condition(expression)(**names))
    except CodeError as e:
        raise RunError(f"condition {expression!r} {e}") from None
    except limits.LimitExceeded as e:
        raise RunError(f"condition {expression[:40]!r} {e}") from None
    except Exception as e:                       # SecurityError, TypeError, UndefinedError, ...
        raise RunError(f"condition {expression!r} failed: {e}") from None


_FIELD = re.compile(r"\{\{\s*contact\.([A-Za-z][A-Za-z0-9_]*)\s*\}\}")


@lru_cache(maxsize=4096)
def _plan(text: str) -> tuple[str, ...] | None:
    """Most message fields only put contact fields into text: split them once into literal and
    field parts and skip Jinja's machinery. None when the template needs Jinja."""
    parts = _FIELD.split(text)
    literals = parts[0::2]
    if any(tok in lit for lit in literals for tok in ("{{", "{%", "{#")):
        return None
    return tuple(parts)


def render(text: str, names: dict[str, Any]) -> str:
    if "{" not in text:
        return text
    plan = _plan(text)
    contact = names.get("contact")
    if plan is not None and isinstance(contact, Fields):
        data = contact._data
        out = []
        for i, part in enumerate(plan):
            if i % 2 == 0:
                out.append(part)
            else:
                value = data.get(part)
                out.append("" if value is None else str(value))
        return "".join(out)
    try:
        with limits.budget():
            return limits.bounded_output(compile_template(text).generate(**names))
    except CodeError as e:
        raise RunError(f"template {text[:40]!r} {e}") from None
    except limits.LimitExceeded as e:
        raise RunError(f"template {text[:40]!r} {e}") from None
    except Exception as e:
        raise RunError(f"template {text[:40]!r} failed: {e}") from None


def to_datetime(value: Any) -> datetime | None:
    """A field value as an aware datetime, or None."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return to_datetime(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def functions(now: datetime, count_events: Callable[[str, datetime | None], int],
              in_journey: Callable[[str], bool]) -> dict[str, Any]:
    """`events`, `days_since` and `in_journey` bound to one contact at one moment."""

    def events(type: str, within: str | None = None) -> int:
        return count_events(type, now - parse_duration(within) if within else None)

    def days_since(value: Any) -> Any:
        moment = to_datetime(value)
        if moment is None:
            return Missing()
        return (now - moment).days

    return {"events": events, "days_since": days_since, "in_journey": in_journey, "now": now}
