"""A stand-in for HubSpot's CRM v3 contacts API on 127.0.0.1, answering in HubSpot's shapes so a
source that drifts from them fails here rather than in a customer's portal.

Shapes followed (developers.hubspot.com, CRM v3 objects/contacts, search, batch update, owners):
- Bearer token in `Authorization`; a wrong or missing one answers 401 with
  `{"status": "error", "message", "correlationId", "category": "INVALID_AUTHENTICATION"}`.
- GET /crm/v3/objects/contacts?limit=(<=100)&after=&properties=a,b&archived=false ->
  `{"results": [{"id", "properties", "createdAt", "updatedAt", "archived"}], "paging": {"next": {"after", "link"}}}`;
  `after` is opaque (base64), `paging` is absent on the last page; property values are strings.
- POST /crm/v3/objects/contacts/search with `filterGroups[].filters[] {propertyName, operator, value}`
  (groups OR-ed, filters AND-ed), `sorts [{propertyName, direction}]`, `properties`, `limit` (<=200),
  `after` -> `{"total", "results", "paging"}`; at most 10,000 results per query: paging at or past
  10,000 answers 400 (VALIDATION_ERROR).
- POST /crm/v3/objects/contacts/batch/update `{"inputs": [{"id", "properties"}]}` (<=100 inputs);
  200 `{"status": "COMPLETE", "results", "startedAt", "completedAt"}`, or 207 with `numErrors` and
  `errors[] {status, category, message, context: {ids}}` for ids that do not exist; a property that
  does not exist fails the whole batch with 400 (PROPERTY_DOESNT_EXIST).
- GET /crm/v3/owners, GET /crm/v3/properties/contacts.
- 429 with `Retry-After` and `{"status": "error", "errorType": "RATE_LIMIT", "policyName": ...}`.

Counters (`answered`, `served`) let a test see what a sync fetched; `updates` keeps every batch
update input received."""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter, deque
from datetime import datetime, timezone
from typing import Any

from tests.connectors.fake_hubspot_activity import Activity
from tests.connectors.servers import FakeHTTP, Reply, Request

BASE = int(datetime(2024, 1, 1, tzinfo=timezone.utc).timestamp() * 1000)
CAP = 10_000
SUBMISSIONS = "/form-integrations/v1/submissions/forms/"
KNOWN = {"email", "firstname", "lastname", "phone", "company", "jobtitle", "country", "hs_timezone", "lifecyclestage",
         "hubspot_owner_id", "hs_object_id", "createdate", "lastmodifieddate", "switchback_score", "industry",
         "num_employees", "trial_ends", "hs_merged_object_ids"}
TYPES = {"num_employees": "number", "trial_ends": "date", "industry": "enumeration", "switchback_score": "number",
         "lastmodifieddate": "datetime", "createdate": "datetime"}
TIMEZONES = ["europe_slash_berlin", "america_slash_new_york", "asia_slash_tokyo", ""]
STAGES = ["subscriber", "lead", "marketingqualifiedlead", "customer"]


def iso(millis: int) -> str:
    return datetime.fromtimestamp(millis / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def millis(value: Any) -> int:
    text = str(value)
    if text.isdigit():
        return int(text)
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


class FakeHubSpot(Activity, FakeHTTP):
    keep_alive = True

    def __init__(self, token: str = "pat-test-token", contacts: int = 0):
        super().__init__()
        self.token = token
        self.lock = threading.RLock()
        self.records: dict[int, dict[str, Any]] = {}
        self.ids: list[int] = []                      # sorted
        self.version = 0
        self._cache: dict[str, list[int]] = {}
        self._clock = BASE
        self.answered: Counter = Counter()            # "GET /crm/v3/objects/contacts" -> calls answered 200/207
        self.served = 0                               # contact records sent in list and search results
        self.updates: list[dict[str, Any]] = []
        self.owners = [{"id": "101", "email": "ann@corp.example", "firstName": "Ann", "lastName": "Lee", "userId": 9001},
                       {"id": "102", "email": "bo@corp.example", "firstName": "Bo", "lastName": "Ng", "userId": 9002}]
        # what to do with the next requests, in order: (status, Retry-After) to answer that status, or
        # ("slow", seconds) to answer normally but that late
        self.script: deque[tuple[int | str, str | None]] = deque()
        self.rate_limit_every = 0
        self.error_every = 0
        self.retry_after = "1"
        self.faulted: Counter = Counter()
        self._n = itertools.count(1)
        self.setup_activity()
        if contacts:
            self.add(contacts)

    # --- data ------------------------------------------------------------------------------------

    def add(self, n: int) -> None:
        """n contacts, modified one second apart through 2024 (long before any sync runs)."""
        with self.lock:
            start = (self.ids[-1] if self.ids else 0) + 1
            for i in range(start, start + n):
                at = BASE + i * 1000
                self.records[i] = {"id": i, "created": at, "modified": at, "archived": False, "props": {
                    "email": f"person{i}@example.com", "firstname": f"First{i}", "lastname": f"Last{i}",
                    "phone": f"+49301{i:07d}", "company": f"Company {i % 97}", "jobtitle": "Engineer",
                    "country": "Germany", "hs_timezone": TIMEZONES[i % 4], "lifecyclestage": STAGES[i % 4],
                    "hubspot_owner_id": "101" if i % 2 else "102", "industry": "SOFTWARE",
                    "num_employees": str(10 + i % 500), "trial_ends": "2026-05-01"}}
                self.ids.append(i)
            self._touch()

    def tick(self) -> int:
        """Now, in ms, strictly increasing (two changes never share an instant unless asked to)."""
        with self.lock:
            self._clock = max(self._clock + 1, int(time.time() * 1000))
            return self._clock

    def change(self, ids, same_instant: bool = False, **props: str) -> None:
        """Modify contacts as a HubSpot user would: properties set, `lastmodifieddate` now."""
        with self.lock:
            at = self.tick()
            for i in ids:
                record = self.records[i]
                record["props"].update({k: v for k, v in props.items()})
                record["modified"] = at if same_instant else self.tick()
            self._touch()

    def contact(self, i: int) -> dict[str, Any]:
        with self.lock:
            return dict(self.records[i]["props"])

    def _touch(self) -> None:
        self.version += 1
        self._cache.clear()

    def _value(self, record: dict, name: str) -> str | None:
        if name == "hs_object_id":
            return str(record["id"])
        if name == "lastmodifieddate":
            return iso(record["modified"])
        if name == "createdate":
            return iso(record["created"])
        value = record["props"].get(name)
        return value if value not in (None, "") else None

    def _public(self, record: dict, properties: list[str]) -> dict[str, Any]:
        names = set(properties) | {"hs_object_id", "createdate", "lastmodifieddate"}
        return {"id": str(record["id"]), "properties": {n: self._value(record, n) for n in sorted(names)},
                "createdAt": iso(record["created"]), "updatedAt": iso(record["modified"]), "archived": False}

    def answer(self, r: Request) -> Reply:
        return Reply(*self.handle(r.method, r.path, r.query, r.body, r.headers.get("Authorization")))

    # --- requests --------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, raw: bytes, auth: str | None):
        cid = str(uuid.uuid4())
        if auth != f"Bearer {self.token}":
            return 401, {"status": "error", "message": "Authentication credentials not found. This API supports "
                         "OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/"
                         "docs/methods/auth/oauth-overview", "correlationId": cid,
                         "category": "INVALID_AUTHENTICATION"}, {}
        fault = self._fault(cid)
        if fault:
            return fault
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return 400, {"status": "error", "message": "Invalid input JSON", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}, {}
        route = {("GET", "/crm/v3/objects/contacts"): self._list,
                 ("POST", "/crm/v3/objects/contacts/search"): self._search,
                 ("POST", "/crm/v3/objects/contacts/batch/update"): self._batch_update,
                 ("GET", "/crm/v3/owners"): self._owners,
                 ("GET", "/crm/v3/owners/"): self._owners,
                 ("GET", "/crm/v3/properties/contacts"): self._properties,
                 **self.activity_routes()}.get((method, path))
        if route is None and method == "GET" and path.startswith(SUBMISSIONS):
            route = lambda q, b, c: self._submissions(q, b, c, path[len(SUBMISSIONS):])  # noqa: E731
        malformed = self.malformed_answer(path)
        if malformed is not None:
            return 200, malformed, {}
        if route is None:
            return 404, {"status": "error", "message": f"Unable to infer object type from: {path}",
                         "correlationId": cid, "category": "OBJECT_NOT_FOUND"}, {}
        status, answer = route(query, body, cid)
        if status < 300:
            self.answered[f"{method} {path}"] += 1
        return status, answer, {}

    def _fault(self, cid: str):
        with self.lock:
            n = next(self._n)
            status, wait = (self.script.popleft() if self.script else (None, None))
            if status is None and self.rate_limit_every and n % self.rate_limit_every == 0:
                status, wait = 429, self.retry_after
            elif status is None and self.error_every and n % self.error_every == 0:
                status = 500
            if status is None:
                return None
            self.faulted[status] += 1
        if status == "slow":
            time.sleep(float(wait))
            return None
        if status == 429:
            return 429, {"status": "error", "message": "You have reached your ten_secondly_rolling limit.",
                         "errorType": "RATE_LIMIT", "correlationId": cid, "policyName": "TEN_SECONDLY_ROLLING"}, \
                ({"Retry-After": wait} if wait is not None else {})
        return status, {"status": "error", "message": "internal error", "correlationId": cid}, {}

    def _list(self, query: dict, body: Any, cid: str):
        limit = int(query.get("limit", ["10"])[0])
        if limit > 100:
            return 400, {"status": "error", "message": "limit must be <= 100", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        properties = [p for p in query.get("properties", [""])[0].split(",") if p]
        after = query.get("after", [None])[0]
        archived = query.get("archived", ["false"])[0] == "true"
        with self.lock:
            ids = [i for i in self.ids if self.records[i]["archived"] == archived]
            start = 0
            if after:
                try:
                    start = bisect_left(ids, int(base64.urlsafe_b64decode(after.encode()).decode()))
                except ValueError:
                    return 400, {"status": "error", "message": "Invalid 'after' paging token", "correlationId": cid,
                                 "category": "VALIDATION_ERROR"}
            page = [self.records[i] for i in ids[start:start + limit]]
            results = [self._public(r, properties) for r in page]
            if archived:
                for r, out in zip(page, results):
                    out.update(archived=True, archivedAt=iso(r["archived_at"]))
            self.served += len(results)
            answer: dict[str, Any] = {"results": results}
            if start + limit < len(ids):
                token = base64.urlsafe_b64encode(str(ids[start + limit]).encode()).decode()
                answer["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
        return 200, answer

    def _matches(self, request: dict) -> list[int]:
        key = json.dumps([request.get("filterGroups"), request.get("sorts")], sort_keys=True)
        found = self._cache.get(key)
        if found is not None:
            return found
        groups = request.get("filterGroups") or []
        ids = [i for i in self.ids if not self.records[i]["archived"] and (not groups or any(
            all(self._test(self.records[i], f) for f in g.get("filters", [])) for g in groups))]
        sorts = request.get("sorts") or []
        if sorts:
            name, desc = sorts[0]["propertyName"], sorts[0].get("direction") == "DESCENDING"
            ids.sort(key=lambda i: (self._sort_value(self.records[i], name), i), reverse=desc)
        self._cache[key] = ids
        return ids

    def _sort_value(self, record: dict, name: str):
        if name == "lastmodifieddate":
            return record["modified"]
        if name == "hs_object_id":
            return record["id"]
        return self._value(record, name) or ""

    def _test(self, record: dict, f: dict) -> bool:
        name, op, value = f["propertyName"], f["operator"], f.get("value")
        if name == "lastmodifieddate":
            have, want = record["modified"], millis(value)
        elif name == "hs_object_id":
            have, want = record["id"], int(value)
        else:
            have, want = self._value(record, name), value
            if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
                return (have is not None) == (op == "HAS_PROPERTY")
            if have is None:
                return op == "NEQ"
        return {"EQ": have == want, "NEQ": have != want, "GT": have > want, "GTE": have >= want,
                "LT": have < want, "LTE": have <= want}[op]

    def _search(self, query: dict, body: Any, cid: str):
        body = body or {}
        limit = int(body.get("limit", 10))
        if limit > 200:
            return 400, {"status": "error", "message": "limit must be <= 200", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        if len(body.get("sorts") or []) > 1:
            return 400, {"status": "error", "message": "only one sort is supported", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        offset = int(body.get("after") or 0)
        if offset >= CAP:
            return 400, {"status": "error", "message": f"Search results are limited to {CAP} total results. "
                         "Paging beyond that is not supported.", "correlationId": cid, "category": "VALIDATION_ERROR"}
        with self.lock:
            ids = self._matches(body)
            page = ids[offset:min(offset + limit, CAP)]
            results = [self._public(self.records[i], body.get("properties") or []) for i in page]
            self.served += len(results)
            answer: dict[str, Any] = {"total": len(ids), "results": results}
            if offset + limit < len(ids):
                answer["paging"] = {"next": {"after": str(offset + limit), "link": f"?after={offset + limit}"}}
        return 200, answer

    def _batch_update(self, query: dict, body: Any, cid: str):
        inputs = (body or {}).get("inputs") or []
        if len(inputs) > 100:
            return 400, {"status": "error", "message": "Batch size must be <= 100", "correlationId": cid,
                         "category": "VALIDATION_ERROR"}
        for item in inputs:
            for name, value in (item.get("properties") or {}).items():
                if name not in KNOWN:
                    detail = [{"isValid": False, "message": f'Property "{name}" does not exist',
                               "error": "PROPERTY_DOESNT_EXIST", "name": name}]
                    return 400, {"status": "error", "message": f"Property values were not valid: {json.dumps(detail)}",
                                 "correlationId": cid, "category": "VALIDATION_ERROR"}
                if not isinstance(value, str):
                    return 400, {"status": "error", "message": f"Property {name} must be a string", "correlationId": cid,
                                 "category": "VALIDATION_ERROR"}
        started = iso(self.tick())
        results, missing = [], []
        with self.lock:
            for item in inputs:
                self.updates.append(item)
                record = self.records.get(int(item["id"])) if str(item.get("id", "")).isdigit() else None
                if record is None:
                    missing.append(str(item.get("id")))
                    continue
                record["props"].update(item.get("properties") or {})
                record["modified"] = self.tick()
                results.append(self._public(record, list(item.get("properties") or {})))
            self._touch()
        answer: dict[str, Any] = {"status": "COMPLETE", "results": results, "startedAt": started,
                                  "completedAt": iso(self.tick())}
        if missing:
            answer["numErrors"] = 1
            answer["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                                 "message": "Could not get some CONTACT objects, they may be deleted or not exist. "
                                            "Check that ids are valid.", "context": {"ids": missing}}]
            return 207, answer
        return 200, answer

    def _owners(self, query: dict, body: Any, cid: str):
        results = [dict(o, createdAt=iso(BASE), updatedAt=iso(BASE), archived=False) for o in self.owners]
        return 200, {"results": results}

    def _properties(self, query: dict, body: Any, cid: str):
        return 200, {"results": [{"name": n, "label": n, "type": TYPES.get(n, "string"),
                                  "fieldType": "text", "groupName": "contactinformation"} for n in sorted(KNOWN)]}
