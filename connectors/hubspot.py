"""`hubspot`: contacts in from HubSpot's CRM v3 API, and score, lifecycle stage and owner back.

The first sync lists every contact (GET /crm/v3/objects/contacts, paged by `paging.next.after`);
later ones search for what changed (POST /crm/v3/objects/contacts/search on `lastmodifieddate`,
ascending). The search answers at most 10,000 results per query, so a long run of changes is read
as several queries, each starting from the last `lastmodifieddate` seen; when 10,000 contacts share
one timestamp the same instant is read again ordered by `hs_object_id`. Every page carries a
cursor, so a cancelled or crashed sync resumes where it stopped.

Cursors (opaque to the sync loop):
- `{"after": A, "since": ISO, "done": N}` while the first listing is under way;
- `ISO` (the newest `lastmodifieddate` seen, or when the listing began): search from there;
- `{"since": ISO, "id": N}` inside a run of >10,000 contacts modified at the same instant."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo, available_timezones

from pydantic import BaseModel, ConfigDict, Field, field_validator

from switchback.connectors.crm_http import CrmError, CrmHttp
from switchback.connectors.egress import BaseUrl, over_http
from switchback.connectors.hubspot_times import CONTACTS, _instant, _next, iso, ms  # noqa: F401
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.sync import Page, Progress

DEFAULT_PROPERTIES = {
    "email": "email", "firstname": "first_name", "lastname": "last_name", "phone": "phone", "company": "company",
    "jobtitle": "job_title", "country": "country", "hs_timezone": "timezone", "lifecyclestage": "lifecycle_stage",
    "hubspot_owner_id": "owner",
}
TEXT = {"email", "first_name", "last_name", "phone", "company", "job_title", "country", "lifecycle_stage", "owner"}


def parse_mapping(value: Any) -> Any:
    """`--set properties=...` arrives as text: JSON (`{"industry": "industry"}`) or `a=b,c=d`."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    out = {}
    for pair in text.split(","):
        key, sep, ours = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{pair.strip()!r}: use CRM_PROPERTY=our_field, separated by commas, or a JSON object")
        out[key.strip()] = ours.strip()
    return out


class HubSpotSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: BaseUrl = Field("https://api.hubapi.com", title="API address",
                          description="HubSpot's API, or a proxy or sandbox in front of it.")
    properties: dict[str, str] = Field(default_factory=dict, title="Properties",
                                       description="HubSpot property -> contact field, added to the standard ones "
                                                   "(email, firstname, lastname, ...). Map one to \"\" to leave it out.")
    score_property: str = Field("switchback_score", title="Score property",
                                description="The HubSpot number property the contact's score is written to.")
    timeout: float = Field(30.0, gt=0, le=600, title="Timeout (seconds)")

    @field_validator("properties", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return parse_mapping(value)


@lru_cache(maxsize=1)
def _zones() -> dict[str, str]:
    """HubSpot names time zones `america_slash_new_york`; we keep IANA names (`America/New_York`)."""
    return {z.lower().replace("/", "_slash_").replace("-", "_"): z for z in available_timezones()}


def iana(value: str) -> str | None:
    if "/" in value or value == "UTC":
        try:
            ZoneInfo(value)
            return value
        except (KeyError, ValueError):
            return None
    return _zones().get(value.strip().lower())








class HubSpotSource:
    """A HubSpot account's contacts, as pages of our field names (see runtime/sync.py)."""
    id_field = "hubspot_id"
    PAGE = 100                 # the most a list or search page returns
    BATCH = 100                # the most a batch update takes
    SEARCH_CAP = 10_000        # the most one search query returns, paging included

    def __init__(self, name: str, settings: HubSpotSettings, access_token: str | None, *, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep, search_per_second: float = 4.0,
                 lookback: timedelta = timedelta(minutes=2)):
        if not access_token:
            raise CrmError(f"{name}: no access_token secret in the keyring; set it under Workspace › Connectors… or with "
                           f"`switchback connector add {name} --kind hubspot --secret access_token`")
        self.name = name
        self.label = name if name == "hubspot" else f"{name} (hubspot)"     # how errors name the connector
        self.mapping = {k: v for k, v in {**DEFAULT_PROPERTIES, **settings.properties}.items() if v}
        self.score_property = settings.score_property
        self.search_interval = 1.0 / search_per_second if search_per_second > 0 else 0.0
        self.lookback = lookback
        self.sleep = sleep
        self.http = CrmHttp(self.label, settings.base_url, timeout=settings.timeout, backoff=backoff, sleep=sleep,
                            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
                            refused=f"HubSpot refused the access token; set a valid one under Workspace › Connectors… or with "
                                    f"`switchback connector add {name} --kind hubspot --secret access_token`")
        self._last_search = 0.0
        self._types: dict[str, str] | None = None
        self._owners: dict[str, str] | None = None     # owner id -> email

    def close(self) -> None:
        self.http.close()

    # --- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None, progress: Progress, cancelled: Callable[[], bool]) -> Iterator[Page]:
        state: Any = None
        if cursor:
            state = json.loads(cursor) if cursor.startswith("{") else cursor
        if state is None or (isinstance(state, dict) and "after" in state):
            yield from self._list(state or {}, progress, cancelled)
        elif isinstance(state, dict):
            yield from self._search(self._millis(state["since"]), int(state["id"]), progress, cancelled)
        else:
            start = max(0, self._millis(state) - int(self.lookback.total_seconds() * 1000))
            yield from self._search(start, None, progress, cancelled)

    def _list(self, state: dict, progress: Progress, cancelled: Callable[[], bool]) -> Iterator[Page]:
        """Every contact, in HubSpot's order. The cursor after the last page is the time the listing
        began: anything modified since then is found by the next sync's search."""
        if cancelled():
            return
        total = self._count()
        since = state.get("since") or iso(ms(self.http.date or datetime.now(timezone.utc) - timedelta(minutes=1)))
        after, done = state.get("after"), int(state.get("done", 0))
        properties = ",".join(self._properties())
        while True:
            params = {"limit": self.PAGE, "properties": properties, "archived": "false"}
            if after:
                params["after"] = after
            body = self.http.request("GET", CONTACTS, params=params) or {}
            results = self._results(body, f"GET {CONTACTS}")
            done += len(results)
            after = _next(body)
            cursor = json.dumps({"after": after, "since": since, "done": done}) if after else since
            yield Page([self._contact(r) for r in results], cursor)
            progress(done, max(total, done) if total is not None else None)
            if not after or cancelled():
                return

    def _count(self) -> int | None:
        """How many contacts there are (the list endpoint does not say): a one-result search."""
        body = self._search_page({"filterGroups": [], "properties": ["hs_object_id"], "limit": 1})
        total = body.get("total") if isinstance(body, dict) else None
        return int(total) if isinstance(total, int) else None

    def _search(self, since: int, tie: int | None, progress: Progress, cancelled: Callable[[], bool]) -> Iterator[Page]:
        for results, cursor in self.search_walk(CONTACTS, "lastmodifieddate", self._properties(), since, tie,
                                                progress, cancelled):
            yield Page([self._contact(r) for r in results], cursor)

    def search_walk(self, path: str, modified: str, properties: list[str], since: int, tie: int | None,
                    progress: Progress, cancelled: Callable[[], bool],
                    extra: list[dict] | None = None) -> Iterator[tuple[list[dict], str]]:
        """Records of `path` (contacts, deals) modified at or after `since` (ms), oldest first, one
        query of at most 10,000 results after another, each page with the cursor after it. `tie` (an
        hs_object_id) means: first the rest of the records modified exactly at `since`, by id, because
        more than a query's worth share that instant. `extra` filters narrow every query."""
        done = 0
        while True:
            if tie is None:
                filters = [{"propertyName": modified, "operator": "GTE", "value": str(since)}]
                sorts = [{"propertyName": modified, "direction": "ASCENDING"}]
            else:
                filters = [{"propertyName": modified, "operator": "EQ", "value": str(since)},
                           {"propertyName": "hs_object_id", "operator": "GT", "value": str(tie)}]
                sorts = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]
            request = {"filterGroups": [{"filters": filters + (extra or [])}], "sorts": sorts, "properties": properties,
                       "limit": self.PAGE}
            after, fetched, total = None, 0, None
            last_at, last_id = since, tie
            while True:
                if cancelled():
                    return
                body = self._search_page(dict(request, after=after) if after else request, path)
                results = self._results(body, f"POST {path}/search")
                if total is None and isinstance(body.get("total"), int):
                    total = done + body["total"]
                fetched += len(results)
                done += len(results)
                for r in results:
                    at = _instant((r.get("properties") or {}).get(modified) or r.get("updatedAt") or "")
                    if at is not None:
                        last_at = max(last_at, ms(at))
                    last_id = _int(r.get("id"), last_id)
                if results:
                    cursor = iso(last_at) if tie is None else json.dumps({"since": iso(since), "id": last_id})
                    yield results, cursor
                    progress(done, max(total or 0, done))
                after = _next(body)
                if not after or fetched + self.PAGE > self.SEARCH_CAP:
                    break
            capped = bool(after)
            if tie is not None:
                if capped:                        # still more at that instant: on by id
                    tie = last_id
                else:                             # that instant is done: on from the next millisecond
                    tie, since = None, since + 1
                continue
            if not capped:
                return
            if last_at > since:                   # a new query from the newest time seen (>=: ties re-read)
                since = last_at
            else:                                 # 10,000 share one instant: read it by id
                tie = 0

    def _millis(self, value: str) -> int:
        at = _instant(value)
        if at is None:
            raise CrmError(f"{self.label}: the stored sync cursor {value!r} is not a time; reset it to sync from the start")
        return ms(at)

    def _search_page(self, request: dict, path: str = CONTACTS) -> dict:
        """One search call, no faster than HubSpot's per-second search limit allows."""
        wait = self._last_search + self.search_interval - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_search = time.monotonic()
        return self.http.request("POST", f"{path}/search", json_body=request) or {}

    def _results(self, body: Any, what: str) -> list[dict]:
        """A page's records, or a CrmError when the answer is not shaped as HubSpot documents it (a
        proxy's page, a changed API): one line for the person syncing, not a crash on the first record."""
        if not isinstance(body, dict):
            raise CrmError(f"{self.label}: {what} answered with {json.dumps(body)[:60]}, not a JSON object")
        results = body.get("results")
        if results is None:
            return []
        if not isinstance(results, list) or not all(
                isinstance(r, dict) and isinstance(r.get("properties") or {}, dict) for r in results):
            raise CrmError(f"{self.label}: {what} answered with \"results\" that are not contact records "
                           f"({json.dumps(results)[:60]})")
        return results

    def _results_any(self, body: Any, what: str) -> list[dict]:
        """A page's records that are not CRM objects (forms, submissions): a list of JSON objects."""
        if not isinstance(body, dict) or not isinstance(body.get("results", []), list) or not all(
                isinstance(r, dict) for r in body.get("results", [])):
            raise CrmError(f"{self.label}: {what} answered with {json.dumps(body)[:60]}, not a page of records")
        return body.get("results", [])

    def activity(self):
        """Deals, form submissions, deletions and merges (connectors/hubspot_activity.py)."""
        from switchback.connectors.hubspot_activity import HubSpotActivity
        return HubSpotActivity(self)

    def _properties(self) -> list[str]:
        return sorted(set(self.mapping) | {"lastmodifieddate"})

    def _contact(self, record: dict) -> dict[str, Any]:
        props = record.get("properties") or {}
        out: dict[str, Any] = {self.id_field: str(record.get("id"))}
        for prop, ours in self.mapping.items():
            out[ours] = self._value(prop, ours, props.get(prop))
        return out

    def _value(self, prop: str, ours: str, raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        raw = str(raw)
        if ours == "timezone":
            return iana(raw)
        if ours == "owner":
            return self.owners().get(raw, raw)
        if ours == "score":
            return _number(raw, whole=True)
        if ours in TEXT:
            return raw
        kind = self.types().get(prop, "string")
        if kind == "number":
            return _number(raw)
        if kind == "bool":
            return raw.lower() == "true"
        if kind in ("date", "datetime"):
            at = _instant(raw)
            if at is None:
                return raw
            return at.date() if kind == "date" else at
        return raw

    def types(self) -> dict[str, str]:
        """Property name -> HubSpot type (string, number, bool, date, datetime, enumeration), read once,
        for the properties mapped to custom fields. Without the schema scope everything stays text."""
        if self._types is None:
            self._types = {}
            if any(ours not in TEXT | {"timezone", "score"} for ours in self.mapping.values()):
                try:
                    body = self.http.request("GET", "/crm/v3/properties/contacts") or {}
                    self._types = {p["name"]: p.get("type", "string")
                                   for p in self._results(body, "GET /crm/v3/properties/contacts") if "name" in p}
                except CrmError as e:
                    if not e.record:                # without the schema scope (403) values stay text
                        raise
        return self._types

    def owners(self) -> dict[str, str]:
        """HubSpot owner id -> the owner's email: journeys name owners by address (notify `to: owner`)."""
        if self._owners is None:
            self._owners = {}
            try:
                after = None
                while True:
                    params = {"limit": 100, **({"after": after} if after else {})}
                    body = self.http.request("GET", "/crm/v3/owners", params=params) or {}
                    for owner in self._results(body, "GET /crm/v3/owners"):
                        if owner.get("id") and owner.get("email"):
                            self._owners[str(owner["id"])] = str(owner["email"]).lower()
                    after = _next(body)
                    if not after:
                        break
            except CrmError as e:
                if not e.record:                    # without crm.objects.owners.read (403) owners stay ids
                    raise
        return self._owners

    # --- push ------------------------------------------------------------------------------------

    def push(self, updates: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """Score, lifecycle stage and owner, as HubSpot properties, 100 contacts per batch update.
        Returns why, for each contact HubSpot did not take (or took only in part)."""
        back = {ours: prop for prop, ours in self.mapping.items()}
        emails = {email: oid for oid, email in self.owners().items()}
        failed: dict[str, str] = {}
        inputs = []
        for crm_id, values in updates:
            props: dict[str, str] = {}
            for ours, value in values.items():
                if ours == "score":
                    props[self.score_property] = str(value)
                elif ours == "owner":
                    owner = str(value).strip()
                    oid = owner if owner.isdigit() else emails.get(owner.lower())
                    if oid is None:
                        failed[crm_id] = f"owner {owner!r} is not a HubSpot user; the owner was not written"
                    else:
                        props[back.get("owner", "hubspot_owner_id")] = oid
                elif ours == "lifecycle_stage":
                    props[back.get("lifecycle_stage", "lifecyclestage")] = str(value)
            if props:
                inputs.append({"id": crm_id, "properties": props})
        for i in range(0, len(inputs), self.BATCH):
            batch = inputs[i:i + self.BATCH]
            try:
                body = self.http.request("POST", f"{CONTACTS}/batch/update", json_body={"inputs": batch})
            except CrmError as e:
                if not e.record:                     # the token, the rate limit, an outage: stop here
                    raise
                failed.update({item["id"]: str(e).removeprefix(f"{self.label}: ") for item in batch})
                continue
            for error in (body or {}).get("errors") or []:
                reason = error.get("message") or error.get("category") or "refused"
                for crm_id in (error.get("context") or {}).get("ids") or []:
                    failed[str(crm_id)] = reason
        return failed




def _int(value: Any, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _number(raw: str, whole: bool = False) -> int | float | None:
    try:
        number = float(raw)
    except ValueError:
        return None
    if whole or number.is_integer():
        return int(number)
    return number


register(ConnectorKind(
    name="hubspot", title="HubSpot CRM", settings=HubSpotSettings, secrets=("access_token",),
    required_secrets=("access_token",), review=over_http("access_token"),
    source=lambda name, settings, secret: HubSpotSource(name, settings, secret("access_token")),
    help="Syncs contacts from HubSpot (a private app's access token with crm.objects.contacts.read and "
         ".write, and crm.objects.owners.read for owners) and writes score, lifecycle stage and owner back; "
         "with crm.objects.deals.read and forms, also deals, form submissions, deletions and merges."))
