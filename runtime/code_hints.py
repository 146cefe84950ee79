"""What to type to mend a condition or template that does not compile, in plain words: Jinja's own
message ("unexpected end of template, expected 'end of print statement'") says where it stopped,
not that a `{{` was never closed. The hint goes first; Jinja's words follow for whoever wants them."""
from __future__ import annotations

import re

_PAIRS = (("{{", "}}"), ("{%", "%}"), ("(", ")"), ("[", "]"))
_BLOCKS = ("if", "for")
_DANGLING = re.compile(r"(==|!=|>=|<=|>|<|\band\b|\bor\b|\bnot\b|\bin\b|\+|-|\*|/)\s*$")


def _quotes_closed(text: str) -> bool:
    quote = None
    for i, ch in enumerate(text):
        if quote is None and ch in "'\"":
            quote = ch
        elif ch == quote and text[i - 1] != "\\":
            quote = None
    return quote is None


def hint(text: str, role: str) -> str | None:
    """The likeliest mend, or None when none is plain."""
    if not _quotes_closed(text):
        return "a quote is not closed: add the closing ' or \""
    for opening, closing in _PAIRS:
        if text.count(opening) > text.count(closing):
            return f"a {opening} is not closed: add {closing}"
    if role != "condition":
        for block in _BLOCKS:
            opened = len(re.findall(r"\{%-?\s*" + block + r"\b", text))
            if opened > len(re.findall(r"\{%-?\s*end" + block + r"\b", text)):
                return f"a {{% {block} %}} is not closed: add {{% end{block} %}}"
        if re.search(r"\{\{[^{}]*\}(?!\})", text):
            return "a {{ is closed with one }: write }}"
    elif m := _DANGLING.search(text):
        return f"the condition ends with {m.group(1).strip()!r}: what it compares with is missing"
    return None


def explained(text: str, role: str, message: str) -> str:
    """`does not compile: <mend> (<Jinja's words>)`, or Jinja's words alone."""
    mend = hint(text, role)
    return f"does not compile: {mend} ({message})" if mend else f"does not compile: {message}"
