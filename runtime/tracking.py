"""What an email carries when the workspace has a `public_url` (SPEC 11): its html's links
rewritten to `{public_url}/c/{token}`, a 1x1 `{public_url}/o/{token}.gif`, and the unsubscribe
address `{public_url}/u/{token}` in `{{ unsubscribe_url }}` and the List-Unsubscribe header.

The outbox keeps the message as the journey composed it, original links included; a sender
rewrites it as it hands it over (only then is the outbox id, which the tokens name, known), and
the click route reads the link back from the same stored html with the same `links`, so a
redirect only ever goes to a URL that email carried."""
from __future__ import annotations

import html as markup
import re
from dataclasses import dataclass

from switchback.runtime import tokens

# What `{{ unsubscribe_url }}` renders to when the journey composes an email; the sender puts the
# message's own address in its place (a tracked one, or the connector's mailto: without public_url).
UNSUBSCRIBE_MARK = "{unsubscribe_url}"

# An <a ...href="..."> attribute; the links that count are the http(s) ones, in document order.
_HREF = re.compile(r"""(<a\b[^>]*?\shref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
MAX_LINKS = 0xFFFF                   # a token's link number is 16 bits; links past it go untracked
_BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


def _tracked(href: str) -> bool:
    return markup.unescape(href).strip().lower().startswith(("http://", "https://"))


def links(html: str) -> list[str]:
    """The http(s) links of an email's html, as a browser would follow them, in order."""
    return [markup.unescape(m.group(3)).strip() for m in _HREF.finditer(html) if _tracked(m.group(3))]


def fill_unsubscribe(text: str, url: str) -> str:
    return text.replace(UNSUBSCRIBE_MARK, url)


@dataclass(frozen=True)
class Tracking:
    public_url: str                   # no trailing slash
    secret: bytes

    def url(self, purpose: str, message: int, link: int = 0) -> str:
        token = tokens.sign(self.secret, purpose, message, link)
        return f"{self.public_url}/{purpose}/{token}" + (".gif" if purpose == "o" else "")

    def unsubscribe_url(self, message: int) -> str:
        return self.url("u", message)

    def html(self, message: int, html: str) -> str:
        """The email's html with each http(s) link going through the click route, and the open pixel."""
        count = [0]

        def swap(m: re.Match) -> str:
            n = count[0]
            if not _tracked(m.group(3)) or n > MAX_LINKS:
                return m.group(0)
            count[0] += 1
            return f"{m.group(1)}{m.group(2)}{markup.escape(self.url('c', message, n))}{m.group(2)}"

        rewritten = _HREF.sub(swap, html)
        pixel = f'<img src="{markup.escape(self.url("o", message))}" width="1" height="1" alt="" style="border:0">'
        ends = list(_BODY_END.finditer(rewritten))
        if ends:
            at = ends[-1].start()
            return rewritten[:at] + pixel + rewritten[at:]
        return rewritten + pixel
