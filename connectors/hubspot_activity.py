"""HubSpot's activity beside its contacts (SPEC 14), as streams the sync keeps cursors for:

- `merges`: contacts that absorbed others (`hs_merged_object_ids`), searched on `lastmodifieddate`;
- `deleted`: archived contacts (GET /crm/v3/objects/contacts?archived=true), the newest `archivedAt`
  seen as the cursor;
- `deals`: POST /crm/v3/objects/deals/search on `hs_lastmodifieddate` (the contacts' search walk:
  4 requests a second, 10,000 results a query), stage labels from GET /crm/v3/pipelines/deals and
  contacts from POST /crm/v4/associations/deals/contacts/batch/read;
- `forms`: every form (GET /marketing/v3/forms) and its submissions
  (GET /form-integrations/v1/submissions/forms/{guid}, newest first, `after` paging) down to the
  newest one the last sync saw.

A record out of shape is a line naming it and the rest goes on; an answer out of shape as a whole
is a CrmError, which the sync turns into a line for that stream."""
from __future__ import annotations

import json
from typing import Any, Callable, Iterator

from switchback.connectors.crm_http import CrmError
from switchback.connectors.hubspot_times import CONTACTS, _instant, _next, iso, ms
from switchback.runtime.crm_activity import ActivityPage, Deal, Submission

DEALS = "/crm/v3/objects/deals"
DEAL_PROPERTIES = ["dealname", "pipeline", "dealstage", "amount", "closedate", "hs_lastmodifieddate"]
ASSOCIATIONS = "/crm/v4/associations/deals/contacts/batch/read"
FORMS = "/marketing/v3/forms"
SUBMISSIONS = "/form-integrations/v1/submissions/forms/"
MERGED = "hs_merged_object_ids"


def _quiet(done: int, total: int | None) -> None:
    pass


class HubSpotActivity:
    streams = ("merges", "deleted", "deals", "forms")

    def __init__(self, source):
        self.source = source                 # the HubSpotSource: its HTTP client, search pace and cursors
        self.id_field = source.id_field
        self.label = source.label
        self._fields: set[str] | None = None

    def activity(self, stream: str, cursor: str | None, known: dict[str, int],
                 cancelled: Callable[[], bool]) -> Iterator[ActivityPage]:
        return getattr(self, f"_{stream}")(cursor, cancelled)

    # --- searched streams ------------------------------------------------------------------------

    def _from(self, cursor: str | None) -> tuple[int, int | None]:
        if not cursor:
            return 0, None
        if cursor.startswith("{"):
            state = json.loads(cursor)
            return self.source._millis(state["since"]), int(state["id"])
        return max(0, self.source._millis(cursor) - int(self.source.lookback.total_seconds() * 1000)), None

    def _merges(self, cursor: str | None, cancelled) -> Iterator[ActivityPage]:
        since, tie = self._from(cursor)
        has = [{"propertyName": MERGED, "operator": "HAS_PROPERTY"}]
        for results, after in self.source.search_walk(CONTACTS, "lastmodifieddate", ["email", MERGED], since, tie,
                                                      _quiet, cancelled, extra=has):
            merged = []
            for r in results:
                ids = [i.strip() for i in str((r.get("properties") or {}).get(MERGED) or "").split(";") if i.strip()]
                if r.get("id") is not None and ids:
                    merged.append((str(r["id"]), ids))
            yield ActivityPage(after, merged=merged, read=len(results))

    def _deals(self, cursor: str | None, cancelled) -> Iterator[ActivityPage]:
        stages = self._pipelines()
        since, tie = self._from(cursor)
        for results, after in self.source.search_walk(DEALS, "hs_lastmodifieddate", DEAL_PROPERTIES, since, tie,
                                                      _quiet, cancelled):
            page = ActivityPage(after, read=len(results))
            ids = [str(r["id"]) for r in results if r.get("id") is not None]
            contacts = self._associated(ids) if ids else {}
            for r in results:
                if r.get("id") is None:
                    page.lines.append(f"deals: a record without an id ({json.dumps(r)[:60]}); skipped")
                    continue
                page.deals.append(self._deal(r, stages, contacts.get(str(r["id"]), []), page.lines))
            yield page

    def _deal(self, r: dict, stages: dict[str, dict[str, str]], contacts: list[str], lines: list[str]) -> Deal:
        p = r.get("properties") or {}
        did, pipeline, stage = str(r["id"]), p.get("pipeline"), p.get("dealstage")
        label = None
        if pipeline not in stages:
            lines.append(f"deal {did} ({p.get('dealname') or 'no name'}): pipeline {pipeline} is not in HubSpot any "
                         f"more; stage {stage} kept without its label")
        else:
            label = stages[pipeline].get(stage)
        amount = None
        if p.get("amount") not in (None, ""):
            try:
                amount = float(p["amount"])
            except (TypeError, ValueError):
                lines.append(f"deal {did}: amount {p['amount']!r} is not a number; kept without it")
        close = _instant(str(p.get("closedate") or ""))
        return Deal(id=did, name=p.get("dealname"), pipeline=pipeline, stage=stage, stage_label=label, amount=amount,
                    close_date=close.date().isoformat() if close else None, contacts=contacts)

    def _pipelines(self) -> dict[str, dict[str, str]]:
        """Pipeline id -> {stage id: label}."""
        body = self.source.http.request("GET", "/crm/v3/pipelines/deals") or {}
        out = {}
        for p in self.source._results(body, "GET /crm/v3/pipelines/deals"):
            out[str(p.get("id"))] = {str(s.get("id")): s.get("label") for s in p.get("stages") or []
                                     if isinstance(s, dict)}
        return out

    def _associated(self, deal_ids: list[str]) -> dict[str, list[str]]:
        """Deal id -> its contacts' ids. A deal without contacts is absent (HubSpot answers 207 for it)."""
        out: dict[str, list[str]] = {}
        for i in range(0, len(deal_ids), 1000):
            body = self.source.http.request("POST", ASSOCIATIONS,
                                            json_body={"inputs": [{"id": d} for d in deal_ids[i:i + 1000]]}) or {}
            for r in self.source._results(body, f"POST {ASSOCIATIONS}") if "results" in body else []:
                frm = (r.get("from") or {}).get("id")
                to = [str(t["toObjectId"]) for t in r.get("to") or [] if isinstance(t, dict) and "toObjectId" in t]
                if frm is not None:
                    out[str(frm)] = to
        return out

    # --- listed streams --------------------------------------------------------------------------

    def _deleted(self, cursor: str | None, cancelled) -> Iterator[ActivityPage]:
        state = json.loads(cursor) if cursor else {}
        floor, top, after = state.get("floor", -1), state.get("top", state.get("floor", -1)), state.get("after")
        while not cancelled():
            params = {"limit": 100, "archived": "true", "properties": "email"}
            if after:
                params["after"] = after
            body = self.source.http.request("GET", CONTACTS, params=params) or {}
            results = self.source._results(body, f"GET {CONTACTS}?archived=true")
            gone = []
            for r in results:
                at = _instant(str(r.get("archivedAt") or r.get("updatedAt") or ""))
                when = ms(at) if at else top
                if r.get("id") is not None and when > floor:
                    gone.append(str(r["id"]))
                    top = max(top, when)
            after = _next(body)
            state = {"floor": floor, "top": top, "after": after} if after else {"floor": top}
            yield ActivityPage(json.dumps(state), deleted=gone, read=len(results))
            if not after:
                return

    def _forms(self, cursor: str | None, cancelled) -> Iterator[ActivityPage]:
        """Each form newest first, down to what the last pass saw (`seen`: guid -> newest ms). The
        cursor names the form under way and its page, so a sync stopped inside a form resumes there."""
        state = json.loads(cursor) if cursor else {}
        seen: dict[str, int] = state.get("seen", {})
        done: list[str] = state.get("done", [])
        for guid, name in self._form_list():
            if guid in done:
                continue
            floor = seen.get(guid, -1)
            current = state.get("form") == guid
            after, top = (state.get("after"), state.get("top", floor)) if current else (None, floor)
            while True:
                if cancelled():
                    return
                params = {"limit": 50, **({"after": after} if after else {})}
                body = self.source.http.request("GET", SUBMISSIONS + guid, params=params) or {}
                results = self.source._results_any(body, f"GET {SUBMISSIONS}{guid}")
                page = ActivityPage(None)
                older = False
                for r in results:
                    at = r.get("submittedAt")
                    if not isinstance(at, int):
                        page.lines.append(f"form {name} ({guid}): a submission without a time "
                                          f"({r.get('conversionId') or 'no id'}); skipped")
                        continue
                    if at <= floor:
                        older = True
                        break
                    top = max(top, at)
                    page.read += 1
                    x = self._submission(r, guid, name, at, page.lines)
                    if x:
                        page.submissions.append(x)
                after = None if older else _next(body)
                if after:
                    page.cursor = json.dumps({"seen": seen, "done": done, "form": guid, "after": after, "top": top})
                else:
                    seen = dict(seen, **{guid: max(top, floor)})
                    done = done + [guid]
                    page.cursor = json.dumps({"seen": seen, "done": done})
                yield page
                if not after:
                    break
        yield ActivityPage(json.dumps({"seen": seen}))         # the pass is over: the next starts afresh

    def _submission(self, r: dict, guid: str, name: str, at: int, lines: list[str]) -> Submission | None:
        values = {str(v.get("name")): v.get("value") for v in r.get("values") or [] if isinstance(v, dict)}
        email = values.get("email")
        where = f"form {name} ({guid}): submission {r.get('conversionId') or iso(at)}"
        if not isinstance(email, str) or "@" not in email:
            lines.append(f"{where}: no email address; skipped")
            return None
        unknown = sorted(k for k in values if k not in self._contact_fields())
        if unknown:
            lines.append(f"{where}: {', '.join(unknown[:5])} not HubSpot contact properties; kept in the event")
        return Submission(email=email, at=_instant(str(at)), form=name, form_id=guid, page_url=r.get("pageUrl"),
                          fields=values)

    def _form_list(self) -> list[tuple[str, str]]:
        out, after = [], None
        while True:
            params = {"limit": 100, **({"after": after} if after else {})}
            body = self.source.http.request("GET", FORMS, params=params) or {}
            for f in self.source._results_any(body, f"GET {FORMS}"):
                if f.get("id"):
                    out.append((str(f["id"]), str(f.get("name") or f["id"])))
            after = _next(body)
            if not after:
                return sorted(out)

    def _contact_fields(self) -> set[str]:
        if self._fields is None:
            try:
                body = self.source.http.request("GET", "/crm/v3/properties/contacts") or {}
                self._fields = {p["name"] for p in self.source._results(body, "GET /crm/v3/properties/contacts")
                                if "name" in p}
            except CrmError as e:
                if not e.record:
                    raise
                self._fields = set()
        return self._fields or set(self.source.mapping)
