"""The open published journey's results, live: a worker thread reads the counts, the contacts at
the chosen node and the alerts every few seconds; the GUI thread only applies what it brings (the
cards' lines, the results panel, the alerts strip and the status bar)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from switchback.app.reader import Reader
from switchback.app.results_panel import ResultsPanel
from switchback.runtime import document
from switchback.runtime.alerts import Alert, alerts
from switchback.runtime.diff import diff
from switchback.runtime.document import Journey
from switchback.runtime.results import contacts_at, daily, journey_results

REFRESH_MS = 3000
SLOW_S = 30.0


@dataclass
class Live:
    """One refresh's findings, made off the GUI thread."""
    key: str
    shown: bool                                     # published, and the draft open is that version
    why: str = ""                                   # why nothing is drawn on the canvas
    results: dict[str, Any] = field(default_factory=dict)
    cards: dict[str, tuple[str, str]] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], int] = field(default_factory=dict)
    days: list[tuple[date, int, int]] = field(default_factory=list)
    alerts: list[Alert] | None = None              # None: not read this time, the last ones stand
    node: str | None = None
    contacts: list[dict[str, Any]] | None = None
    seconds: float = 0.0


def _pct(rate: float) -> str:
    return f"{rate * 100:.1f} %"


def card_lines(journey: Journey, r: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Each card's headline (who is there now, how many entered) and detail (what its messages
    did, or how the split's variants stand)."""
    out = {}
    for n in journey.nodes:
        c = r["nodes"].get(n.id)
        if c is None:
            continue
        here, entered = f"{c['now']:,} here now", f"{c['entered']:,} entered"
        head = f"{here} · {entered}" if c["now"] else f"{entered} · {here}"   # fitted, a card keeps the first
        if n.id in r["variants"]:
            detail = " · ".join(f"{port} {_pct(v['rate'])}, best {v['p_best']:.0%}"
                                for port, v in r["variants"][n.id].items())
        elif n.declaration is not None and n.declaration.channel:
            detail = f"{c['sent']:,} sent · {c['opened']:,} opened · {c['clicked']:,} clicked"
            if c["failed"]:
                detail += f" · {c['failed']:,} failed"
        else:
            skipped = sum(c["skipped"].values())
            detail = f"{skipped:,} skipped" if skipped else ""
        out[n.id] = (head, detail)
    return out


def edge_counts(journey: Journey, r: dict[str, Any]) -> dict[tuple[str, str, str], int]:
    """How many took each connection, where the counts tell: a split's variant by its port, and a
    connection that is the only way into its node."""
    into: dict[str, int] = {}
    for e in journey.edges:
        into[e.target] = into.get(e.target, 0) + 1
    out = {}
    for e in journey.edges:
        port = e.port or "next"
        variant = r["variants"].get(e.source, {}).get(port)
        if variant is not None:
            out[(e.source, port, e.target)] = variant["entered"]
        elif into[e.target] == 1 and e.target in r["nodes"]:
            out[(e.source, port, e.target)] = r["nodes"][e.target]["entered"]
    return out


def compute(store, key: str, draft: str, node: str | None, search: str, now: datetime,
            slow: bool = True) -> Live:
    """Everything a refresh shows, read from the workspace (run on the worker thread). The alerts
    (a week of enrollments) and the contacts at a node are read only when `slow`: the window asks
    for them when the node or the search changes and every SLOW_S otherwise."""
    from switchback.runtime.engine_inputs import published_journeys
    started = datetime.now(timezone.utc)
    with store.session() as s:
        current = published_journeys(s).current.get(key)
    live = Live(key, shown=current is not None, alerts=alerts(store, now) if slow else None)
    if current is None:
        live.why = "Not published yet: results show once it is."
    elif diff(current.journey, document.loads(draft)):
        live.shown, live.why = False, "The draft differs from the published version: its results are not drawn on it."
    if current is not None:
        live.results = journey_results(store, [key])["journeys"].get(key, {})
        live.days = daily(store, key)
        if live.shown:
            live.cards = card_lines(current.journey, live.results)
            live.edges = edge_counts(current.journey, live.results)
        if node is not None and slow:
            live.node, live.contacts = node, contacts_at(store, key, node, search)
    live.seconds = (datetime.now(timezone.utc) - started).total_seconds()
    return live


class LiveResults(QObject):
    """Wires the window: the alerts strip above the canvas, the Results dock, the refresh."""
    applied = Signal(object)                        # a Live, once shown (tests wait on it)

    def __init__(self, window, dock: Callable[[str, QWidget, Any], Any]):
        super().__init__(window)
        self.window = window
        self.strip = QLabel()
        self.strip.setObjectName("alerts-strip")
        self.strip.setWordWrap(True)
        self.strip.setStyleSheet("QLabel { background: #FDECC8; color: #5C3B00; padding: 6px 10px; }")
        self.strip.hide()
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.strip)
        layout.addWidget(window.view, 1)
        window.setCentralWidget(holder)
        self.flag = QLabel()
        self.flag.setObjectName("alerts-status")
        window.statusBar().addWidget(self.flag)
        self.panel = ResultsPanel()
        self.panel.search_changed.connect(self.refresh)
        self.panel.contact_opened.connect(self.open_trace)
        self.dock = dock("Results", self.panel, Qt.BottomDockWidgetArea)
        self.reader = Reader(self, "live-results")
        self.busy = self.again = False
        self.slow_at, self.slow_for = 0.0, None          # when the alerts and contacts were last read, for what
        self.node: str | None = None
        self.last: Live | None = None
        self.timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh)

    def journey_opened(self) -> None:
        ed = self.window.editor
        self.node = None
        self.last = None
        ed.selection_changed.connect(self.select)
        ed.undo.indexChanged.connect(self._edited)       # a bound slot: gone with this object
        self.panel.clear(ed.journey.name)
        self.timer.start()
        self.refresh()

    def _edited(self, _index: int) -> None:
        self.refresh()

    def select(self, node_id: str | None) -> None:
        if node_id is not None:
            self.node = node_id
            self.panel.node_chosen(self.window.editor.journey.node(node_id).title if self.window.editor else node_id)
            self.refresh()

    def refresh(self) -> None:
        """Ask for a read unless one is out; one more follows it when asked meanwhile."""
        ed = self.window.editor
        if ed is None or not isValid(self.panel.search):     # the window is being torn down
            return
        if self.busy:
            self.again = True
            return
        self.busy, self.again = True, False
        store, key, draft = self.window.workspace.store, ed.journey.key, ed.journey.dumps()
        node, search, now = self.node, self.panel.search.text(), self.window.workspace.now()
        slow = time.monotonic() - self.slow_at >= SLOW_S or self.slow_for != (key, node, search)
        if slow:
            self.slow_at, self.slow_for = time.monotonic(), (key, node, search)
        self.reader.submit(lambda: compute(store, key, draft, node, search, now, slow),
                           lambda got: self._apply(got if isinstance(got, Live) else self._failed(key, got)))

    def _failed(self, key: str, e: Exception) -> Live:
        """Shown, not raised: the window stays up, and the next refresh reads everything again."""
        self.slow_at = 0.0
        return Live(key, shown=False, why=f"Results could not be read: {type(e).__name__}: {e}")

    def stop(self) -> None:
        """The window closed: no more refreshes."""
        self.timer.stop()
        self.reader.stop()
        self.busy = self.again = False

    def _apply(self, live: Live) -> None:
        self.busy = False
        ed = self.window.editor
        if ed is not None and ed.journey.key == live.key:
            if self.last is not None and self.last.key == live.key:
                if live.alerts is None:
                    live.alerts = self.last.alerts
                if live.contacts is None and live.node is None:
                    live.node, live.contacts = self.last.node, self.last.contacts
            live.alerts, live.contacts = live.alerts or [], live.contacts or []
            ed.scene.set_live(live.cards if live.shown else None, live.edges if live.shown else None)
            self.panel.show_live(live)
            texts = [a.text for a in live.alerts]
            self.strip.setText("⚠ " + "\n⚠ ".join(texts) if texts else "")
            self.strip.setVisible(bool(texts))
            self.flag.setText(f"⚠ {len(texts)} alert{'s' if len(texts) != 1 else ''}: {texts[0]}" if texts else "")
            self.flag.setToolTip("\n".join(texts))
            self.last = live
            self.applied.emit(live)
        if self.again:
            self.refresh()

    def open_trace(self, email: str) -> None:
        """The contact's timeline, in the contacts view."""
        from switchback.app.contacts_view import ContactsView
        view = ContactsView(self.window, self.window.workspace)
        view.search.setText(email)
        view.refresh()
        for row, c in enumerate(view.rows):
            if c.email == email:
                view.table.selectRow(row)
        self.window.contacts = view
        view.open()
