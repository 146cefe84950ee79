"""What one contact's step may cost. A template or condition gets a bounded time and a bounded
output, so a journey that asks for too much parks its contacts with the reason instead of stalling
the scheduler or filling the workspace (SPEC 3: nothing else stops).

Why a budget checked in the sandbox's hooks, not a timer: a pure-Python render cannot be stopped
safely from another thread (an exception injected into it can land in the store's code as well),
and SIGALRM only exists on the main thread of Unix. So no single operation may explode (operand
caps: `**`, `*`, `%`, `+`, format widths, filter and method arguments), and every hook a render goes
through (calls, attributes, items, operators, loop iterations, output chunks) checks the deadline.
Between two hooks a render only does bounded work, so it stops within a hook's time of the limit.
"""
from __future__ import annotations

import re
import string
import threading
import time
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

RENDER_SECONDS = 0.5             # CPU time of one template or condition; a real one takes microseconds
RENDER_CHARS = 1_000_000         # characters (or items) one template, value or operand may reach
INT_BITS = 14_300                # about 4,300 digits: the longest number Python agrees to print
MAX_STEPS = 1000                 # steps of one enrollment in one wake-up; a path longer than this needs a wait


class LimitExceeded(Exception):
    """A render or condition that went past one of the limits above; str() is the reason."""


_local = threading.local()       # each thread's deadline: the designer previews while the scheduler runs


@contextmanager
def budget(seconds: float = RENDER_SECONDS) -> Iterator[None]:
    """Run a render or a condition within `seconds` of this thread's CPU time (not the wall
    clock: a busy machine must not park contacts). Nested budgets keep the earliest deadline."""
    outer = getattr(_local, "deadline", None)
    mine = time.thread_time() + seconds
    _local.deadline = mine if outer is None else min(outer, mine)
    try:
        yield
    finally:
        _local.deadline = outer


def check_time() -> None:
    deadline = getattr(_local, "deadline", None)
    if deadline is not None and time.thread_time() > deadline:
        raise LimitExceeded(f"stopped after {RENDER_SECONDS:g} s (the time limit of a template or condition)")


def _too_long(n: int) -> LimitExceeded:
    return LimitExceeded(f"stopped: it would make a value of {n:,} characters or items "
                         f"(the limit is {RENDER_CHARS:,})")


def _too_big() -> LimitExceeded:
    return LimitExceeded(f"stopped: it would make a number of more than {INT_BITS * 3 // 10:,} digits")


def check_size(value: Any) -> Any:
    """`value`, unless it is a text or a collection longer than RENDER_CHARS or a huge number."""
    if isinstance(value, (str, bytes, list, tuple, dict, set, frozenset)) and len(value) > RENDER_CHARS:
        raise _too_long(len(value))
    if type(value) is int and value.bit_length() > INT_BITS:
        raise _too_big()
    return value


def _sized(value: Any) -> bool:
    return isinstance(value, (str, bytes, list, tuple))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# printf-style conversions: %[(key)][flags][width][.precision][length]type
_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]")


def _percent_widths(fmt: str, args: Any) -> None:
    """`'%*d' % (10**9, 1)` or `'%999999999d' % 1`: refuse a width or precision past the limit."""
    star = False
    for m in _PERCENT.finditer(fmt):
        for part in m.groups():
            if part == "*":
                star = True
            elif part and int(part) > RENDER_CHARS:
                raise _too_long(int(part))
    if star:
        check_args(args if isinstance(args, tuple) else (args,), {})


def _format_widths(fmt: str) -> None:
    """`'{:>999999999}'.format(1)`: the same for str.format's format specs."""
    try:
        specs = [spec for _, _, spec, _ in string.Formatter().parse(fmt) if spec]
    except ValueError:
        return                                        # str.format itself will say what is wrong
    for spec in specs:
        for digits in re.findall(r"\d+", spec):
            if int(digits) > RENDER_CHARS:
                raise _too_long(int(digits))


def check_args(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """Arguments of a filter or method: a count or a width (`center(10**9)`, `ljust`, `indent`,
    `truncate`...) past the limit is refused before it makes anything."""
    for value in (*args, *kwargs.values()):
        if _is_int(value) and abs(value) > RENDER_CHARS:
            raise _too_long(abs(value))


def check_call(target: Any, args: tuple, kwargs: dict[str, Any]) -> None:
    """Before a method or function call from a template: the deadline, its arguments, and the
    format specs of `str.format`."""
    check_time()
    check_args(args, kwargs)
    inner = getattr(target, "__wrapped__", target)            # the sandbox wraps str.format
    if getattr(inner, "__name__", "") in ("format", "format_map") and isinstance(getattr(inner, "__self__", None), str):
        _format_widths(inner.__self__)


def binop(op: str, left: Any, right: Any) -> None:
    """Refuse `left op right` when its result would be past the limits, before computing it."""
    check_time()
    if op == "**":
        if _is_int(left) and _is_int(right) and right > 0 and abs(left) > 1:
            if right * abs(left).bit_length() > INT_BITS + right:
                raise _too_big()
    elif op == "*":
        if _sized(left) and _is_int(right) and len(left) * right > RENDER_CHARS:
            raise _too_long(len(left) * right)
        if _sized(right) and _is_int(left) and len(right) * left > RENDER_CHARS:
            raise _too_long(len(right) * left)
        if _is_int(left) and _is_int(right) and left.bit_length() + right.bit_length() > INT_BITS:
            raise _too_big()
    elif op == "+":
        if _sized(left) and _sized(right) and len(left) + len(right) > RENDER_CHARS:
            raise _too_long(len(left) + len(right))
    elif op == "%":
        if isinstance(left, str):
            _percent_widths(left, right)


def metered(items: Iterable[Any]) -> Iterator[Any]:
    """A template's `for` loop: the deadline is checked as it goes, so nested loops with nothing
    in their bodies stop too."""
    for i, item in enumerate(items):
        if not i & 255:
            check_time()
        yield item


def bounded_output(chunks: Iterable[str]) -> str:
    """A render's output, stopped once it passes RENDER_CHARS (nothing past the limit is built)."""
    out, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > RENDER_CHARS:
            raise LimitExceeded(f"stopped: the text would be longer than {RENDER_CHARS:,} characters (the limit)")
        check_time()
        out.append(chunk)
    return "".join(out)
