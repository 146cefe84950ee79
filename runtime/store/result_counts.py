"""The results' counts in the store: added to in the step's transaction, read by optimized splits."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from switchback.runtime.store.results_models import ResultCount

_COLUMNS = ("journey", "node", "variant", "what", "day", "value")


def add(s: Session, counts: Counter) -> None:
    """Add each (journey, node, variant, what, day) count to its row, making the row when new. In
    key order, so two workers adding to the same rows take their locks in the same order."""
    rows = [(*key, n) for key, n in sorted(counts.items()) if n]
    if not rows:
        return
    mark = "?" if s.bind.dialect.name == "sqlite" else "%s"
    sql = (f"INSERT INTO result_counts ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))}) "
           "ON CONFLICT (journey, node, variant, what, day) DO UPDATE SET value = result_counts.value + excluded.value")
    s.connection().exec_driver_sql(sql, rows)


class StoreStandings:
    """What an optimized split reads in the scheduler: its variants' counts as the store has them
    (read once a batch) plus what this batch added."""

    def __init__(self, s: Session):
        self.s = s
        self.read: dict[tuple[str, str], Counter] = {}

    def _of(self, journey: str, node: str) -> Counter:
        got = self.read.get((journey, node))
        if got is None:
            rc = ResultCount.__table__.c
            q = (select(rc.variant, rc.what, func.sum(rc.value)).where(rc.journey == journey, rc.node == node)
                 .group_by(rc.variant, rc.what))
            got = self.read[(journey, node)] = Counter({(v, w): int(n) for v, w, n in self.s.execute(q)})
        return got

    def standing(self, journey: str, node: str, ports: list[str], what: str) -> list[tuple[int, int]]:
        counts = self._of(journey, node)
        return [(counts[(p, what)], counts[(p, "entered")]) for p in ports]

    def add(self, journey: str, node: str, variant: str, what: str, n: int = 1) -> None:
        self._of(journey, node)[(variant, what)] += n
