"""HubSpot's activity APIs for the fake server (fake_hubspot.py), in HubSpot's shapes:

- POST /crm/v3/objects/deals/search: as the contacts' search (filters on `hs_lastmodifieddate` and
  `hs_object_id`, one sort, `limit` <= 200, 10,000 results a query);
- GET /crm/v3/pipelines/deals -> `{"results": [{"id", "label", "displayOrder", "stages": [{"id", "label",
  "displayOrder", "metadata": {"isClosed", "probability"}}]}]}`;
- POST /crm/v4/associations/deals/contacts/batch/read `{"inputs": [{"id"}]}` (<= 1000) -> 200, or 207
  with `errors` naming the deals that have no contact: `{"status", "results": [{"from": {"id"},
  "to": [{"toObjectId", "associationTypes": [{"category", "typeId", "label"}]}]}], "numErrors", "errors"}`;
- GET /marketing/v3/forms -> `{"results": [{"id", "name", "formType", ...}], "paging"}`;
- GET /form-integrations/v1/submissions/forms/{guid}?limit=(<=50)&after= -> newest first,
  `{"results": [{"conversionId", "submittedAt", "values": [{"name", "value"}], "pageUrl"}], "paging"}`.

Archived and merged contacts live in the contacts' records (`archived`, `hs_merged_object_ids`)."""
from __future__ import annotations

import base64
import uuid
from collections import deque
from typing import Any

PIPELINES = {"default": ("Sales Pipeline", ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
                                             "decisionmakerboughtin", "contractsent", "closedwon", "closedlost"]),
             "renewals": ("Renewals", ["renewal_open", "renewal_signed", "closedwon", "closedlost"])}


BASE = 1704067200000                 # 2024-01-01, as the contacts' (fake_hubspot.py)


def _token(n: int) -> str:
    return base64.urlsafe_b64encode(str(n).encode()).decode()


class Activity:
    """Deals, pipelines, associations, forms and submissions; mixed into FakeHubSpot."""

    def setup_activity(self) -> None:
        self.deals: dict[int, dict[str, Any]] = {}
        self.deal_ids: list[int] = []
        self.pipelines = {k: (label, list(stages)) for k, (label, stages) in PIPELINES.items()}
        self.forms: list[dict[str, str]] = []
        self.submissions: dict[str, list[dict[str, Any]]] = {}      # guid -> newest first
        self.malformed: deque[str] = deque()                        # path prefixes answered out of shape, once each

    # --- data ------------------------------------------------------------------------------------

    def add_deals(self, n: int, contacts: int, stage: str = "appointmentscheduled") -> None:
        """n deals, modified a minute apart through 2024 (long before any sync runs), alternating between the two pipelines, each with two consecutive contacts
        (deal k: contacts 2k-1 and 2k, wrapping round `contacts`)."""
        with self.lock:
            start = (self.deal_ids[-1] if self.deal_ids else 0) + 1
            for k in range(start, start + n):
                pipeline = "default" if k % 2 else "renewals"
                first = (2 * k - 2) % contacts + 1
                self.deals[k] = {"id": k, "modified": BASE + 500 + k * 60_000, "contacts": [first, first % contacts + 1],
                                 "props": {"dealname": f"Deal {k}", "pipeline": pipeline,
                                           "dealstage": stage if stage in self.pipelines[pipeline][1]
                                           else self.pipelines[pipeline][1][0],
                                           "amount": str(1000 + k), "closedate": "2026-06-30T00:00:00.000Z"}}
                self.deal_ids.append(k)
            self._touch()

    def move_deal(self, k: int, stage: str, **props: str) -> None:
        with self.lock:
            self.deals[k]["props"].update(dealstage=stage, **props)
            self.deals[k]["modified"] = self.tick()
            self._touch()

    def delete_contact(self, i: int) -> None:
        with self.lock:
            self.records[i].update(archived=True, archived_at=self.tick())
            self._touch()

    def merge_contacts(self, loser: int, winner: int) -> None:
        """HubSpot's merge: the loser's record goes (not to the archive), the winner lists it."""
        with self.lock:
            record = self.records.pop(loser)
            self.ids.remove(loser)
            w = self.records[winner]
            before = w["props"].get("hs_merged_object_ids")
            w["props"]["hs_merged_object_ids"] = f"{before};{loser}" if before else str(loser)
            w["modified"] = self.tick()
            self._touch()
            return record

    def add_form(self, name: str) -> str:
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
        with self.lock:
            self.forms.append({"id": guid, "name": name})
            self.submissions[guid] = []
        return guid

    def submit(self, guid: str, email: str, **fields: str) -> None:
        with self.lock:
            at = self.tick()
            values = [{"name": "email", "value": email}] + [{"name": k, "value": v} for k, v in fields.items()]
            self.submissions[guid].insert(0, {"conversionId": str(uuid.uuid4()), "submittedAt": at, "values": values,
                                              "pageUrl": f"https://www.example.com/forms/{guid[:8]}"})

    def submit_many(self, guid: str, n: int, contacts: int) -> None:
        with self.lock:
            for k in range(n):
                i = k % contacts + 1
                self.submit(guid, f"person{i}@example.com", firstname=f"First{i}", how_did_you_hear="search")

    def malformed_answer(self, path: str) -> Any:
        with self.lock:
            if self.malformed and path.startswith(self.malformed[0]):
                self.malformed.popleft()
                return {"results": "this is not a page"}
        return None

    # --- routes ----------------------------------------------------------------------------------

    def activity_routes(self) -> dict:
        return {("POST", "/crm/v3/objects/deals/search"): self._deal_search,
                ("GET", "/crm/v3/pipelines/deals"): self._pipelines,
                ("POST", "/crm/v4/associations/deals/contacts/batch/read"): self._associations,
                ("GET", "/marketing/v3/forms"): self._forms}

    def _deal_search(self, query: dict, body: Any, cid: str):
        body = body or {}
        limit = int(body.get("limit", 10))
        if limit > 200 or len(body.get("sorts") or []) > 1:
            return 400, {"status": "error", "message": "limit must be <= 200 and one sort at most",
                         "correlationId": cid, "category": "VALIDATION_ERROR"}
        offset = int(body.get("after") or 0)
        if offset >= 10_000:
            return 400, {"status": "error", "message": "Search results are limited to 10000 total results. Paging "
                         "beyond that is not supported.", "correlationId": cid, "category": "VALIDATION_ERROR"}
        with self.lock:
            groups = body.get("filterGroups") or []
            ids = [k for k in self.deal_ids if not groups or any(all(self._deal_test(self.deals[k], f)
                                                                     for f in g.get("filters", [])) for g in groups)]
            sorts = body.get("sorts") or []
            if sorts:
                key = (lambda k: self.deals[k]["modified"]) if sorts[0]["propertyName"] == "hs_lastmodifieddate" \
                    else (lambda k: k)
                ids.sort(key=lambda k: (key(k), k), reverse=sorts[0].get("direction") == "DESCENDING")
            page = ids[offset:min(offset + limit, 10_000)]
            results = [self._deal_public(self.deals[k]) for k in page]
            answer: dict[str, Any] = {"total": len(ids), "results": results}
            if offset + limit < len(ids):
                answer["paging"] = {"next": {"after": str(offset + limit)}}
        return 200, answer

    def _deal_test(self, deal: dict, f: dict) -> bool:
        from tests.connectors.fake_hubspot import millis
        name, op, value = f["propertyName"], f["operator"], f.get("value")
        if name == "hs_lastmodifieddate":
            have, want = deal["modified"], millis(value)
        elif name == "hs_object_id":
            have, want = deal["id"], int(value)
        else:
            have, want = deal["props"].get(name), value
        return {"EQ": have == want, "NEQ": have != want, "GT": have > want, "GTE": have >= want,
                "LT": have < want, "LTE": have <= want}[op]

    def _deal_public(self, deal: dict) -> dict:
        from tests.connectors.fake_hubspot import iso
        props = dict(deal["props"], hs_object_id=str(deal["id"]), hs_lastmodifieddate=iso(deal["modified"]))
        return {"id": str(deal["id"]), "properties": props, "createdAt": iso(deal["modified"]),
                "updatedAt": iso(deal["modified"]), "archived": False}

    def _pipelines(self, query: dict, body: Any, cid: str):
        return 200, {"results": [{"id": pid, "label": label, "displayOrder": n, "archived": False,
                                  "stages": [{"id": s, "label": s.replace("_", " ").title(), "displayOrder": m,
                                              "metadata": {"isClosed": str(s.startswith("closed")).lower(),
                                                           "probability": "1.0" if s == "closedwon" else "0.5"}}
                                             for m, s in enumerate(stages)]}
                                 for n, (pid, (label, stages)) in enumerate(self.pipelines.items())]}

    def _associations(self, query: dict, body: Any, cid: str):
        inputs = (body or {}).get("inputs") or []
        if len(inputs) > 1000:
            return 400, {"status": "error", "message": "Batch size must be <= 1000", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        results, lonely = [], []
        with self.lock:
            for item in inputs:
                deal = self.deals.get(int(item["id"]))
                contacts = [c for c in (deal or {}).get("contacts", []) if c in self.records]
                if not contacts:
                    lonely.append(str(item["id"]))
                    continue
                results.append({"from": {"id": str(item["id"])}, "to": [
                    {"toObjectId": c, "associationTypes": [{"category": "HUBSPOT_DEFINED", "typeId": 3,
                                                            "label": None}]} for c in contacts]})
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results}
        if lonely:
            answer.update(numErrors=len(lonely), errors=[{"status": "error", "category": "OBJECT_NOT_FOUND",
                                                          "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                                                          "message": f"No contacts are associated with deal {d}.",
                                                          "context": {"fromObjectId": [d]}} for d in lonely])
            return 207, answer
        return 200, answer

    def _forms(self, query: dict, body: Any, cid: str):
        with self.lock:
            return 200, {"results": [dict(f, formType="hubspot", archived=False) for f in self.forms]}

    def _submissions(self, query: dict, body: Any, cid: str, guid: str):
        from tests.connectors.fake_hubspot import SUBMISSIONS
        limit = int(query.get("limit", ["20"])[0])
        if limit > 50:
            return 400, {"status": "error", "message": "limit must be <= 50", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        after = query.get("after", [None])[0]
        with self.lock:
            if guid not in self.submissions:
                return 404, {"status": "error", "message": f"Form {guid} does not exist", "correlationId": cid,
                             "category": "OBJECT_NOT_FOUND"}
            items = self.submissions[guid]
            start = int(base64.urlsafe_b64decode(after.encode()).decode()) if after else 0
            answer: dict[str, Any] = {"results": items[start:start + limit]}
            if start + limit < len(items):
                answer["paging"] = {"next": {"after": _token(start + limit),
                                             "link": f"{SUBMISSIONS}{guid}?after={_token(start + limit)}"}}
        return 200, answer
