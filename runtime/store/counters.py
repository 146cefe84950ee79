"""Round-robin turns and owner loads, kept in the store so every worker shares them."""
from __future__ import annotations

from sqlalchemy.orm import Session

from switchback.runtime.store.models import CounterRow


class StorePools:
    def __init__(self, session: Session):
        self.s = session

    def _counter(self, name: str) -> CounterRow:
        row = self.s.get(CounterRow, name, with_for_update=self.s.bind.dialect.name != "sqlite")
        if row is None:
            row = CounterRow(name=name, value=0)
            self.s.add(row)
        return row

    def next_in_pool(self, pool_key: str, pool: list[str], capacity: int | None) -> str | None:
        turn = self._counter(f"turn:{pool_key}")
        for i in range(len(pool)):
            owner = pool[(turn.value + i) % len(pool)]
            load = self._counter(f"load:{owner}")
            if capacity is None or load.value < capacity:
                turn.value = (turn.value + i + 1) % len(pool)
                load.value += 1
                return owner
        return None
