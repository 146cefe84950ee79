"""A stand-in for Pipedrive's persons API (v2) on 127.0.0.1, in Pipedrive's own shapes.

Shapes followed (developers.pipedrive.com, API v2 and the v1 -> v2 migration guide):
- the API token in the `x-api-token` header; without a valid one, 401
  `{"success": false, "error": "unauthorized access", "errorCode": 401, "error_info"}`;
- GET /api/v2/persons?limit=(<=500)&cursor=&sort_by=(id|update_time|add_time)&sort_direction=(asc|desc)
  &updated_since=RFC3339 (inclusive) -> `{"success": true, "data": [person], "additional_data": {"next_cursor"}}`,
  `next_cursor` null on the last page;
- a person: `id, name, first_name, last_name, owner_id, org_id, add_time, update_time, emails[], phones[]
  ({value, primary, label}), is_deleted, visible_to, label_ids, picture_id, job_title, custom_fields{hash: value}`,
  times in RFC 3339;
- PATCH /api/v2/persons/{id} (JSON; numbers must be numbers) -> `{"success": true, "data": person}`, 404 unknown;
- GET /api/v2/organizations?ids=1,2 and GET /api/v1/users;
- 429 with `Retry-After` and `x-ratelimit-*` headers."""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
from collections import Counter, deque
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs

from tests.connectors.servers import FakeHTTP, Reply, Request

BASE = int(datetime(2024, 3, 1, tzinfo=timezone.utc).timestamp())
STAGE = "5a1c0d7e2f9b4c3a8e6d1f0b2c4a6e8d0f1a3b5c"      # a custom field: lifecycle stage (text)
SCORE = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"      # a custom field: score (number)
FIELDS = {STAGE, SCORE}


def rfc3339(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat().replace("+00:00", "Z")


def seconds(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


class FakePipedrive(FakeHTTP):
    keep_alive = True

    def __init__(self, token: str = "0123456789abcdef0123456789abcdef01234567", persons: int = 0):
        super().__init__()
        self.token = token
        self.lock = threading.RLock()
        self.persons: dict[int, dict[str, Any]] = {}
        self.users = [{"id": 11, "name": "Ann Lee", "email": "ann@corp.example", "active_flag": True},
                      {"id": 12, "name": "Bo Ng", "email": "bo@corp.example", "active_flag": True}]
        self.orgs = {1: "Acme GmbH", 2: "Globex", 3: "Initech"}
        self.deals: dict[int, dict[str, Any]] = {}
        self.stages = [{"id": 1, "name": "Qualified", "pipeline_id": 1, "order_nr": 1},
                       {"id": 2, "name": "Proposal made", "pipeline_id": 1, "order_nr": 2}]
        self.answered: Counter = Counter()           # "GET /api/v2/persons" -> calls answered 2xx
        self.served = 0
        self.patches: list[tuple[int, dict]] = []
        self.queries: list[str] = []                   # every query string received (the token must not be in one)
        self.script: deque[tuple[int, str | None]] = deque()
        self.rate_limit_every = 0
        self.error_every = 0
        self.faulted: Counter = Counter()
        self._n = itertools.count(1)
        self._clock = BASE
        if persons:
            self.add(persons)

    def add(self, n: int) -> None:
        with self.lock:
            start = max(self.persons, default=0) + 1
            for i in range(start, start + n):
                at = BASE + i
                self.persons[i] = {
                    "id": i, "name": f"First{i} Last{i}", "first_name": f"First{i}", "last_name": f"Last{i}",
                    "owner_id": 11 if i % 2 else 12, "org_id": (i % 4) or None, "add_time": rfc3339(at),
                    "update_time": rfc3339(at),
                    "emails": [{"value": f"person{i}@example.com", "primary": True, "label": "work"}],
                    "phones": [{"value": f"+4930{i:07d}", "primary": True, "label": "mobile"}],
                    "is_deleted": False, "visible_to": 3, "label_ids": [], "picture_id": None,
                    "job_title": "Engineer", "custom_fields": {STAGE: "lead", SCORE: None}}

    def change(self, ids, **attributes) -> None:
        """Edit persons as a Pipedrive user would: attributes set, `update_time` now."""
        with self.lock:
            for i in ids:
                self.persons[i].update(attributes)
                self.persons[i]["update_time"] = rfc3339(self.tick())

    def tick(self) -> int:
        self._clock = max(self._clock, int(time.time()))
        return self._clock

    def answer(self, r: Request) -> Reply:
        return Reply(*self.handle(r.method, r.path, r.query_text, r.body, r.headers.get("x-api-token")))

    def handle(self, method: str, path: str, query_text: str, raw: bytes, token: str | None):
        self.queries.append(query_text)
        if token != self.token:
            return 401, {"success": False, "error": "unauthorized access", "errorCode": 401,
                         "error_info": "Please check developers.pipedrive.com"}, {}
        with self.lock:
            n = next(self._n)
            status, wait = self.script.popleft() if self.script else (None, None)
            if status is None and self.rate_limit_every and n % self.rate_limit_every == 0:
                status, wait = 429, "0"
            elif status is None and self.error_every and n % self.error_every == 0:
                status = 503
            if status:
                self.faulted[status] += 1
        if status == 429:
            return 429, {"success": False, "error": "Request over limit", "errorCode": 429}, \
                {"x-ratelimit-limit": "40", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2",
                 **({"Retry-After": wait} if wait is not None else {})}
        if status:
            return status, {"success": False, "error": "Service unavailable", "errorCode": status}, {}
        query = {k: v[0] for k, v in parse_qs(query_text).items()}
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            return 400, {"success": False, "error": "Invalid JSON", "errorCode": 400}, {}
        if method == "GET" and path == "/api/v2/persons":
            answer = self._persons(query)
        elif method == "GET" and path == "/api/v2/deals":
            answer = self._persons(query, self.deals)
        elif method == "GET" and path == "/api/v2/stages":
            answer = 200, {"success": True, "data": [dict(s) for s in self.stages],
                           "additional_data": {"next_cursor": None}}
        elif method == "PATCH" and path.startswith("/api/v2/persons/"):
            answer = self._patch(int(path.rsplit("/", 1)[1]), body or {})
        elif method == "GET" and path == "/api/v2/organizations":
            ids = [int(i) for i in query.get("ids", "").split(",") if i]
            answer = 200, {"success": True, "data": [{"id": i, "name": self.orgs[i], "owner_id": 11, "is_deleted": False}
                                                     for i in ids if i in self.orgs],
                           "additional_data": {"next_cursor": None}}
        elif method == "GET" and path == "/api/v1/users":
            answer = 200, {"success": True, "data": self.users}
        else:
            answer = 404, {"success": False, "error": "Unknown method .", "errorCode": 404}
        if answer[0] < 300:
            self.answered[f"{method} {path if not path[-1].isdigit() else path.rsplit('/', 1)[0] + '/{id}'}"] += 1
        return answer[0], answer[1], {}

    def _persons(self, query: dict, records: dict | None = None):
        """Persons, or with `records` the deals: the same paging, sorting and `updated_since`."""
        limit = int(query.get("limit", 100))
        if limit > 500:
            return 400, {"success": False, "error": "limit must be <= 500", "errorCode": 400}
        sort_by, direction = query.get("sort_by", "id"), query.get("sort_direction", "asc")
        if sort_by not in ("id", "update_time", "add_time") or direction not in ("asc", "desc"):
            return 400, {"success": False, "error": "Validation failed: sort_by", "errorCode": 400}
        with self.lock:
            people = [p for p in (self.persons if records is None else records).values() if not p["is_deleted"]]
            if "updated_since" in query:
                since = seconds(query["updated_since"])
                people = [p for p in people if seconds(p["update_time"]) >= since]
            key = (lambda p: p["id"]) if sort_by == "id" else (lambda p: (seconds(p[sort_by]), p["id"]))
            people.sort(key=key, reverse=direction == "desc")
            offset = int(base64.b64decode(query["cursor"]).decode()) if query.get("cursor") else 0
            page = [json.loads(json.dumps(p)) for p in people[offset:offset + limit]]
            self.served += len(page)
            more = offset + limit < len(people)
            cursor = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return 200, {"success": True, "data": page, "additional_data": {"next_cursor": cursor}}

    # --- deals (GET /api/v2/deals, GET /api/v2/stages) ---------------------------------------------

    def add_deals(self, n: int) -> None:
        """n open deals, deal k on person k, at the first stage of pipeline 1."""
        with self.lock:
            for k in range(len(self.deals) + 1, len(self.deals) + n + 1):
                at = rfc3339(BASE + k)
                self.deals[k] = {"id": k, "title": f"Deal {k}", "value": 500 + k, "currency": "EUR", "person_id": k,
                                 "org_id": None, "pipeline_id": 1, "stage_id": 1, "status": "open", "is_deleted": False,
                                 "add_time": at, "update_time": at, "close_time": None,
                                 "expected_close_date": "2026-06-30"}

    def move_deal(self, k: int, **attributes) -> None:
        with self.lock:
            self.deals[k].update(attributes, update_time=rfc3339(self.tick()))

    def _patch(self, pid: int, body: dict):
        with self.lock:
            person = self.persons.get(pid)
            if person is None:
                return 404, {"success": False, "error": "Person not found", "errorCode": 404}
            if "owner_id" in body and not isinstance(body["owner_id"], int):
                return 400, {"success": False, "error": "Validation failed: owner_id: Expected number", "errorCode": 400}
            for key in (body.get("custom_fields") or {}):
                if key not in FIELDS:
                    return 400, {"success": False, "error": f"Unknown custom field {key}", "errorCode": 400}
            self.patches.append((pid, body))
            if "owner_id" in body:
                person["owner_id"] = body["owner_id"]
            person["custom_fields"].update(body.get("custom_fields") or {})
            person["update_time"] = rfc3339(self.tick())
            return 200, {"success": True, "data": json.loads(json.dumps(person))}
