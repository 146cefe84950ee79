"""The Results dock: the journey's conversion and holdout figures, enrollments and conversions per
day drawn with QPainter, and the contacts at the chosen node now (double-click opens the trace)."""
from __future__ import annotations

from datetime import date

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem, QSplitter,
                               QVBoxLayout, QWidget)

ENROLLED, CONVERTED = QColor("#3B82C4"), QColor("#2F9E57")


class DayPlot(QWidget):
    """Enrollments and conversions per day: two lines over the days that have either."""

    def __init__(self):
        super().__init__()
        self.setObjectName("results-plot")
        self.setMinimumSize(320, 150)
        self.days: list[tuple[date, int, int]] = []
        self.setAccessibleName("Enrollments and conversions per day")

    def set_days(self, days: list[tuple[date, int, int]]) -> None:
        if days != self.days:
            self.days = list(days)
            self.update()

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        text = self.palette().color(QPalette.WindowText)
        muted = QColor(text)
        muted.setAlpha(110)
        fm = p.fontMetrics()
        legend_h = fm.height() + 6
        left, bottom = fm.horizontalAdvance("00,000") + 10, fm.height() + 8
        area = QRectF(left, legend_h + 4, self.width() - left - 12, self.height() - legend_h - bottom - 8)
        x = 4.0
        for colour, word in ((ENROLLED, "Enrolled"), (CONVERTED, "Converted")):
            p.fillRect(QRectF(x, 6, 14, 4), colour)
            p.setPen(text)
            p.drawText(QPointF(x + 18, 4 + fm.ascent()), word)
            x += 18 + fm.horizontalAdvance(word) + 18
        p.setPen(QPen(muted, 1))
        p.drawLine(area.bottomLeft(), area.bottomRight())
        p.drawLine(area.bottomLeft(), area.topLeft())
        if not self.days:
            p.setPen(text)
            p.drawText(area, Qt.AlignCenter, "No enrollments yet")
            return
        top = max(1, max(max(e, c) for _, e, c in self.days))
        p.drawText(QRectF(0, area.top() - fm.height() / 2, left - 6, fm.height()), Qt.AlignRight | Qt.AlignVCenter, f"{top:,}")
        p.drawText(QRectF(0, area.bottom() - fm.height() / 2, left - 6, fm.height()), Qt.AlignRight | Qt.AlignVCenter, "0")
        n = len(self.days)
        xs = [area.left() + (area.width() * (i + 0.5) / n) for i in range(n)]
        for col, colour in ((1, ENROLLED), (2, CONVERTED)):
            path = QPainterPath()
            for i, day in enumerate(self.days):
                pt = QPointF(xs[i], area.bottom() - area.height() * day[col] / top)
                path.lineTo(pt) if i else path.moveTo(pt)
                p.setPen(Qt.NoPen)
                p.setBrush(colour)
                p.drawEllipse(pt, 2.5, 2.5)
            p.setPen(QPen(colour, 2))
            p.setBrush(Qt.NoBrush)
            p.drawPath(path)
        p.setPen(text)
        first, last = self.days[0][0], self.days[-1][0]
        p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), fm.height()), Qt.AlignLeft, f"{first:%d %b}")
        if n > 1:
            p.drawText(QRectF(area.left(), area.bottom() + 4, area.width(), fm.height()), Qt.AlignRight, f"{last:%d %b}")


class ResultsPanel(QWidget):
    search_changed = Signal()
    contact_opened = Signal(str)                    # an email

    def __init__(self):
        super().__init__()
        self.figures = QLabel("Open a published journey to see its results.")
        self.figures.setObjectName("results-figures")
        self.figures.setWordWrap(True)
        self.figures.setTextFormat(Qt.RichText)
        self.plot = DayPlot()
        self.heading = QLabel("Click a node to see the contacts there now.")
        self.heading.setWordWrap(True)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find by address")
        self.search.setClearButtonEnabled(True)
        self.contacts = QListWidget()
        self.contacts.setObjectName("contacts-at-node")
        self.contacts.setToolTip("Double-click a contact to open its timeline")
        self.contacts.itemDoubleClicked.connect(lambda item: self.contact_opened.emit(item.data(Qt.UserRole)))
        self.contacts.itemActivated.connect(lambda item: self.contact_opened.emit(item.data(Qt.UserRole)))
        self._typed = QTimer(self, singleShot=True, interval=250)           # search once typing pauses
        self._typed.timeout.connect(self.search_changed)
        self.search.textChanged.connect(lambda _t: self._typed.start())

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 4, 6, 4)
        lv.addWidget(self.figures)
        lv.addWidget(self.plot, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(6, 4, 6, 4)
        rv.addWidget(self.heading)
        rv.addWidget(self.search)
        rv.addWidget(self.contacts, 1)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([600, 400])
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(split)

    def clear(self, name: str) -> None:
        self.figures.setText(f"Reading the results of {name}…")
        self.plot.set_days([])
        self.contacts.clear()
        self.heading.setText("Click a node to see the contacts there now.")

    def node_chosen(self, title: str) -> None:
        self.heading.setText(f"Contacts at “{title}” now: reading…")

    def show_live(self, live) -> None:
        r = live.results
        if not r:
            self.figures.setText(live.why or "No results yet.")
            self.plot.set_days([])
            return
        conv, ho = r["conversion"], r["holdout"]
        lines = [f"<b>{r['enrolled']:,}</b> enrolled · <b>{r['active']:,}</b> active · {r['completed']:,} completed · "
                 f"{r['exited']:,} exited · {r['errors']:,} errors",
                 f"Converted <b>{r['converted']:,}</b>: {conv['rate']:.1%} (95 % interval {conv['low']:.1%} to {conv['high']:.1%})"]
        if ho["entered"]:
            lines.append(f"Held out {ho['entered']:,}, converted {ho['rate']:.1%}: the journey adds "
                         f"{ho['lift'] * 100:+.1f} points ({ho['low'] * 100:+.1f} to {ho['high'] * 100:+.1f})")
        else:
            lines.append("No holdout: set one in the journey's settings to measure what it adds.")
        if live.why:
            lines.append(f"<i>{live.why}</i>")
        self.figures.setText("<br>".join(lines))
        self.plot.set_days(live.days)
        if live.node is not None:
            self._contacts(live)

    def _contacts(self, live) -> None:
        was = self.contacts.currentItem().data(Qt.UserRole) if self.contacts.currentItem() else None
        self.contacts.clear()
        for c in live.contacts:
            since = c["since"]
            label = f"{c['email']}" + (f" · {c['name']}" if c["name"] else "") + f" · since {since:%d %b %H:%M}"
            if c.get("variant"):
                label += f" · variant {c['variant']}"
            item = QListWidgetItem(label)
            item.setData(Qt.UserRole, c["email"])
            self.contacts.addItem(item)
            if c["email"] == was:
                self.contacts.setCurrentItem(item)
        n = len(live.contacts)
        cards = live.results["nodes"].get(live.node, {})
        total = cards.get("now", n)
        shown = f"{total:,} contact{'s' if total != 1 else ''} here now"
        if total > n:
            shown += f" (the first {n:,} shown; narrow the search)" if not self.search.text() else f", {n:,} match"
        self.heading.setText(shown + ". Double-click one to open its timeline.")
