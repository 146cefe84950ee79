"""Pipedrive's deals as CRM activity (SPEC 14): GET /api/v2/deals, walked as the persons are (by id
the first time, then `updated_since` the newest `update_time` seen), each deal on the person it
belongs to (`person_id`); stage names from GET /api/v2/stages. A deal won or lost is at the stage
`won` or `lost` (its `status`), as a journey asks for it; an open one at its stage's id."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from switchback.runtime.crm_activity import ActivityPage, Deal

DEALS = "/api/v2/deals"


def _quiet(done: int, total: int | None) -> None:
    pass


class PipedriveActivity:
    streams = ("deals",)

    def __init__(self, source):
        self.source = source
        self.id_field = source.id_field
        self._stages: dict[str, str] | None = None

    def activity(self, stream: str, cursor: str | None, known: dict[str, int],
                 cancelled: Callable[[], bool]) -> Iterator[ActivityPage]:
        return self.source.walk_changes(DEALS, cursor, self._page, _quiet, cancelled)

    def _page(self, deals: list[dict], cursor: str) -> ActivityPage:
        page = ActivityPage(cursor, read=len(deals))
        stages = self.stages()
        for d in deals:
            if d.get("id") is None:
                page.lines.append(f"deals: a record without an id; skipped")
                continue
            did, status, stage_id = str(d["id"]), d.get("status"), d.get("stage_id")
            stage = status if status in ("won", "lost") else (str(stage_id) if stage_id is not None else None)
            label = status.title() if status in ("won", "lost") else stages.get(str(stage_id))
            if status not in ("won", "lost") and stage_id is not None and label is None:
                page.lines.append(f"deal {did} ({d.get('title') or 'no title'}): stage {stage_id} is not in Pipedrive "
                                  f"any more; kept without its name")
            person = d.get("person_id")
            amount = d.get("value")
            page.deals.append(Deal(id=did, name=d.get("title"), pipeline=_text(d.get("pipeline_id")), stage=stage,
                                   stage_label=label, amount=float(amount) if isinstance(amount, (int, float)) else None,
                                   close_date=(d.get("close_time") or d.get("expected_close_date") or None) and
                                   str(d.get("close_time") or d.get("expected_close_date"))[:10],
                                   contacts=[str(person)] if person is not None else []))
        return page

    def stages(self) -> dict[str, str]:
        if self._stages is None:
            body = self.source.http.request("GET", "/api/v2/stages") or {}
            self._stages = {str(s["id"]): str(s.get("name")) for s in body.get("data") or []
                            if isinstance(s, dict) and "id" in s}
        return self._stages


def _text(value: Any) -> str | None:
    return None if value is None else str(value)
