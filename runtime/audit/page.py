"""The audit as one self-contained page (resources/report/), and that page printed to PDF by
headless Chromium."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from switchback.runtime.audit.data import Audit, REPORT_DIR, SEVERITIES
from switchback.runtime.problems import InputError


# --- the page ------------------------------------------------------------------------------------

def _scale(value: int) -> tuple[int, int]:
    """A round top for an axis at or above `value`, and its tick step (at most six ticks)."""
    step = 1
    for magnitude in (1, 10, 100, 1000, 10000, 100000, 1000000):
        for mult in (1, 2, 5):
            step = mult * magnitude
            if value <= step * 5:
                top = max(step, -(-value // step) * step)
                return top, step
    return value, value


def day_chart(audit: Audit, width: int = 960, height: int = 280) -> dict[str, Any]:
    """Bars per day, stacked by journey, as shapes the page template draws in SVG."""
    stats = audit.messages
    left, right, top, bottom = 44, 12, 12, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(v.values()) for _, v in stats.by_day]
    ymax, step = _scale(max(totals, default=0))
    n = max(len(stats.by_day), 1)
    slot = plot_w / n
    bar = max(min(slot * 0.72, 40), 1)
    order = [k for k, *_ in stats.by_journey]
    bars, labels = [], []
    every = max(1, round(n / 12))
    for i, (day, counts) in enumerate(stats.by_day):
        x = left + i * slot + (slot - bar) / 2
        y = top + plot_h
        for key in order:
            c = counts.get(key, 0)
            if not c:
                continue
            h = plot_h * c / ymax
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(bar, 1), "h": round(h, 1),
                         "color": audit.colors.get(key, "#888"),
                         "tip": f"{day:%a %d %b}: {c} from {audit.journey_names.get(key, key)}"})
        if i % every == 0:
            labels.append({"x": round(left + i * slot + slot / 2, 1), "y": height - bottom + 16, "text": f"{day:%d %b}"})
    ticks = [{"y": round(top + plot_h - plot_h * t / ymax, 1), "text": str(t)} for t in range(0, ymax + 1, step)]
    legend = [{"name": audit.journey_names.get(k, k), "color": audit.colors.get(k, "#888")}
              for k, _, sent, _ in stats.by_journey if sent]
    return {"width": width, "height": height, "left": left, "right": width - right, "top": top,
            "base": top + plot_h, "bars": bars, "labels": labels, "ticks": ticks, "legend": legend}


def journey_chart(audit: Audit, width: int = 960) -> dict[str, Any]:
    """One horizontal bar per journey: messages to contacts, and team notifications/webhooks apart."""
    stats = audit.messages
    rows = [r for r in stats.by_journey]
    label_w, value_w, row_h = 260, 150, 28
    plot_w = width - label_w - value_w
    vmax = max((r[2] + r[3] for r in rows), default=0) or 1
    out = []
    for i, (key, name, sent, internal) in enumerate(rows):
        y = 8 + i * row_h
        w1 = plot_w * sent / vmax
        w2 = plot_w * internal / vmax
        out.append({"y": y, "name": name, "sent": sent, "internal": internal, "color": audit.colors.get(key, "#888"),
                    "w1": round(w1, 1), "x2": round(label_w + w1, 1), "w2": round(w2, 1),
                    "value_x": round(label_w + w1 + w2 + 8, 1)})
    return {"width": width, "height": 16 + len(rows) * row_h, "label_w": label_w, "rows": out, "row_h": row_h}


def _ticks(text: str):
    """Plain text with `commands` shown as code; everything else escaped."""
    from markupsafe import Markup, escape
    parts = str(text).split("`")
    if len(parts) % 2 == 0:                    # an odd backtick: leave the text as it is
        return escape(text)
    return Markup("").join(escape(p) if i % 2 == 0 else Markup("<code>") + escape(p) + Markup("</code>")
                           for i, p in enumerate(parts))


def render_html(audit: Audit) -> str:
    """The report as one self-contained page: styles inline, charts as inline SVG, no script."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    from markupsafe import Markup

    env = Environment(loader=FileSystemLoader(str(REPORT_DIR)), autoescape=select_autoescape(["html", "j2"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = lambda d: f"{d:%a %d %b %Y, %H:%M}"
    env.filters["short"] = lambda d: f"{d:%a %d %b, %H:%M}"
    env.filters["day"] = lambda d: f"{d:%d %b %Y}"
    env.filters["ticks"] = _ticks
    env.filters["days"] = lambda n: f"{n:g} day" + ("" if n == 1 else "s")
    env.filters["plural"] = lambda n, word, many=None: f"{n} {word if n == 1 else (many or word + 's')}"
    css = (REPORT_DIR / "audit.css").read_text(encoding="utf-8")
    return env.get_template("audit.html.j2").render(
        audit=audit, css=Markup(css), severities=SEVERITIES,
        day_chart=day_chart(audit) if audit.messages else None,
        journey_chart=journey_chart(audit) if audit.messages else None)


def chromium() -> str:
    """The headless browser that prints the PDF; a one-line error when there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    raise InputError("chromium", "not found: a PDF report needs Chromium (on Debian or Ubuntu: "
                                 "apt-get install chromium); or write the report as .html")


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage"]


def run_chromium(url: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Chromium headless on a page, with a throwaway profile and no network chatter."""
    binary = chromium()
    with tempfile.TemporaryDirectory(prefix="switchback-chromium-") as profile:
        cmd = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, url]
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                  env={**os.environ, "HOME": profile})
        except subprocess.TimeoutExpired:
            raise InputError("chromium", f"did not finish within {timeout:g} seconds") from None


def write_report(audit: Audit, path: str | Path) -> Path:
    """`.html`: the page; `.pdf`: the same page printed by headless Chromium."""
    return write_page(render_html(audit), path)


def write_page(html: str, path: str | Path) -> Path:
    """A self-contained page to `path`: as it is for `.html`, printed by headless Chromium for `.pdf`."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        raise InputError(str(path), "the report must be an .html or .pdf file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if suffix != ".pdf":
            path.write_text(html, encoding="utf-8")
            return path
        chromium()
        with tempfile.TemporaryDirectory(prefix="switchback-audit-") as tmp:
            page = Path(tmp) / "audit.html"
            page.write_text(html, encoding="utf-8")
            out = Path(tmp) / "audit.pdf"
            p = run_chromium(page.as_uri(), f"--print-to-pdf={out}", "--no-pdf-header-footer")
            if not out.exists() or out.stat().st_size == 0:
                last = (p.stderr.strip().splitlines() or ["no output"])[-1]
                raise InputError(str(path), f"Chromium could not print the PDF: {last}")
            shutil.copyfile(out, path)
    except OSError as e:
        raise InputError(str(path), f"cannot write: {e.strerror or e}") from None
    return path
