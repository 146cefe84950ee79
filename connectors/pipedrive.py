"""`pipedrive`: persons in from Pipedrive, and score, lifecycle stage and owner back.

Pipedrive's API v2 is used: its v1 persons endpoints (GET /v1/persons, PUT /v1/persons/{id}) were
deprecated on 2025-04-14 in favour of GET and PATCH /api/v2/persons, and have been out of support
since 2026. The API token goes in the `x-api-token` header, as Pipedrive's authentication guide asks,
never in the URL.

The first sync lists every person by id (cursor-paged, `additional_data.next_cursor`); later ones
ask for `updated_since` the newest `update_time` seen, oldest first. Custom fields sit under
`custom_fields` keyed by their 40-character hashes: `properties` maps those (or a person attribute
such as `job_title`) to contact fields.

Cursors: `{"cursor": C, "since": ISO, "done": N}` during the first listing; then `ISO`."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator

from switchback.connectors.crm_http import CrmError, CrmHttp
from switchback.connectors.hubspot import parse_mapping
from switchback.connectors.egress import BaseUrl, over_http
from switchback.connectors.registry import ConnectorKind, register
from switchback.runtime.sync import Page, Progress

DEFAULT_PROPERTIES = {"emails": "email", "first_name": "first_name", "last_name": "last_name", "phones": "phone",
                      "org_id": "company", "owner_id": "owner", "job_title": "job_title"}
ATTRIBUTES = {"id", "name", "first_name", "last_name", "owner_id", "org_id", "add_time", "update_time", "emails",
              "phones", "is_deleted", "visible_to", "label_ids", "picture_id", "postal_address", "notes", "im",
              "birthday", "job_title", "marketing_status"}
PERSONS = "/api/v2/persons"


class PipedriveSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    base_url: BaseUrl = Field("https://api.pipedrive.com", title="API address",
                          description="Pipedrive's API (or your company domain, https://COMPANY.pipedrive.com), "
                                      "or a proxy or sandbox in front of it.")
    properties: dict[str, str] = Field(default_factory=dict, title="Fields",
                                       description="Pipedrive field (a person attribute or a custom field's key) -> "
                                                   "contact field, added to the standard ones. Map one to \"\" to leave it out.")
    score_property: str | None = Field(None, title="Score field",
                                       description="The key of the custom person field the score is written to; "
                                                   "without one the score is not written back.")
    timeout: float = Field(30.0, gt=0, le=600, title="Timeout (seconds)")

    @field_validator("properties", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return parse_mapping(value)


def _instant(value: Any) -> datetime | None:
    """Pipedrive v2 times are RFC 3339 (`2024-01-01T00:00:00Z`); v1's `2024-01-01 00:00:00` (UTC) too."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def rfc3339(when: datetime) -> str:
    return when.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _primary(items: Any) -> str | None:
    """The primary value of Pipedrive's `[{value, primary, label}]` (emails, phones), else the first."""
    if not isinstance(items, list):
        return items if isinstance(items, str) and items else None
    values = [i for i in items if isinstance(i, dict) and i.get("value")]
    for item in values:
        if item.get("primary"):
            return str(item["value"])
    return str(values[0]["value"]) if values else None


class PipedriveSource:
    """A Pipedrive company's persons, as pages of our field names (see runtime/sync.py)."""
    id_field = "pipedrive_id"
    PAGE = 500                  # the most a v2 list page returns

    def __init__(self, name: str, settings: PipedriveSettings, api_token: str | None, *, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep, lookback: timedelta = timedelta(minutes=2)):
        if not api_token:
            raise CrmError(f"{name}: no api_token secret in the keyring; set it under Workspace › Connectors… or with "
                           f"`switchback connector add {name} --kind pipedrive --secret api_token`")
        self.name = name
        self.label = name if name == "pipedrive" else f"{name} (pipedrive)"  # how errors name the connector
        self.mapping = {k: v for k, v in {**DEFAULT_PROPERTIES, **settings.properties}.items() if v}
        self.score_property = settings.score_property
        self.lookback = lookback
        self.http = CrmHttp(self.label, settings.base_url, timeout=settings.timeout, backoff=backoff, sleep=sleep,
                            headers={"x-api-token": api_token, "Accept": "application/json"},
                            refused=f"Pipedrive refused the API token; set a valid one under Workspace › Connectors… or with "
                                    f"`switchback connector add {name} --kind pipedrive --secret api_token`")
        self._users: dict[int, str] | None = None        # user id -> email
        self._orgs: dict[int, str | None] = {}           # organization id -> name

    def close(self) -> None:
        self.http.close()

    def activity(self):
        """Deals (connectors/pipedrive_deals.py)."""
        from switchback.connectors.pipedrive_deals import PipedriveActivity
        return PipedriveActivity(self)

    # --- pull ------------------------------------------------------------------------------------

    def pull(self, cursor: str | None, progress: Progress, cancelled: Callable[[], bool]) -> Iterator[Page]:
        return self.walk_changes(PERSONS, cursor, lambda people, at: Page(self._contacts(people), at), progress,
                                 cancelled)

    def walk_changes(self, path: str, cursor: str | None, make: Callable[[list[dict], str], Any], progress: Progress,
                     cancelled: Callable[[], bool]) -> Iterator[Any]:
        """Records of `path` (persons, deals): every one by id the first time, then those updated
        since the newest `update_time` seen; `make(records, cursor)` is what each page yields."""
        if cursor and not cursor.startswith("{"):
            since = _instant(cursor)
            if since is None:
                raise CrmError(f"{self.label}: the stored sync cursor {cursor!r} is not a time; reset it to sync "
                               f"from the start")
            params = {"updated_since": rfc3339(since - self.lookback), "sort_by": "update_time",
                      "sort_direction": "asc"}
            yield from self._walk(path, make, params, None, cursor, 0, progress, cancelled, listing=False)
            return
        state = json.loads(cursor) if cursor else {}
        if cancelled():
            return
        since = state.get("since")
        if since is None:
            self._users_map()                            # also reads the server's clock (Date header)
            since = rfc3339((self.http.date or datetime.now(timezone.utc)) - timedelta(minutes=1))
        params = {"sort_by": "id", "sort_direction": "asc"}
        yield from self._walk(path, make, params, state.get("cursor"), since, int(state.get("done", 0)), progress,
                              cancelled, listing=True)

    def _walk(self, path: str, make: Callable[[list[dict], str], Any], params: dict, after: str | None, since: str,
              done: int, progress: Progress, cancelled: Callable[[], bool], listing: bool) -> Iterator[Any]:
        newest = _instant(since)
        while True:
            if cancelled():
                return
            query = dict(params, limit=self.PAGE, **({"cursor": after} if after else {}))
            body = self.http.request("GET", path, params=query) or {}
            people = [p for p in body.get("data") or [] if isinstance(p, dict) and not p.get("is_deleted")]
            done += len(body.get("data") or [])
            after = (body.get("additional_data") or {}).get("next_cursor") or None
            for p in people:
                at = _instant(p.get("update_time"))
                if at is not None and (newest is None or at > newest):
                    newest = at
            if listing:
                cursor = json.dumps({"cursor": after, "since": since, "done": done}) if after else since
            else:
                cursor = rfc3339(newest) if newest else since
            if people or (listing and not after):
                yield make(people, cursor)
            progress(done, None if after else done)
            if not after:
                return

    def _contacts(self, people: list[dict]) -> list[dict[str, Any]]:
        if "company" in self.mapping.values() and "org_id" in self.mapping:
            self._org_names({p["org_id"] for p in people if isinstance(p.get("org_id"), int)})
        return [self._contact(p) for p in people]

    def _contact(self, person: dict) -> dict[str, Any]:
        custom = person.get("custom_fields") or {}
        out: dict[str, Any] = {self.id_field: str(person.get("id"))}
        for key, ours in self.mapping.items():
            raw = person.get(key) if key in ATTRIBUTES else custom.get(key)
            out[ours] = self._value(key, ours, raw)
        return out

    def _value(self, key: str, ours: str, raw: Any) -> Any:
        if raw is None or raw == "" or raw == []:
            return None
        if key in ("emails", "phones"):
            return _primary(raw)
        if key == "owner_id" and isinstance(raw, int):
            return self._users_map().get(raw, str(raw))
        if key == "org_id" and isinstance(raw, int):
            return self._orgs.get(raw) or None
        if isinstance(raw, dict):                        # monetary, address, ... custom fields: {value, ...}
            raw = raw.get("value")
        if ours == "score" and raw is not None:
            try:
                return int(float(raw))
            except (TypeError, ValueError):
                return None
        return raw

    def _users_map(self) -> dict[int, str]:
        """Pipedrive user id -> email: journeys name owners by address."""
        if self._users is None:
            body = self.http.request("GET", "/api/v1/users") or {}
            self._users = {u["id"]: str(u["email"]).lower() for u in body.get("data") or []
                           if isinstance(u, dict) and isinstance(u.get("id"), int) and u.get("email")}
        return self._users

    def _org_names(self, ids: set[int]) -> None:
        missing = sorted(i for i in ids if i not in self._orgs)
        for start in range(0, len(missing), 100):
            part = missing[start:start + 100]
            body = self.http.request("GET", "/api/v2/organizations",
                                     params={"ids": ",".join(map(str, part)), "limit": 100}) or {}
            for org in body.get("data") or []:
                if isinstance(org, dict) and isinstance(org.get("id"), int):
                    self._orgs[org["id"]] = org.get("name")
            for i in part:
                self._orgs.setdefault(i, None)

    # --- push ------------------------------------------------------------------------------------

    def push(self, updates: list[tuple[str, dict[str, Any]]]) -> dict[str, str]:
        """One PATCH /api/v2/persons/{id} per person: `owner_id` (a Pipedrive user, found by the
        owner's email) and the custom fields mapped to score and lifecycle stage."""
        back = {ours: key for key, ours in self.mapping.items()}
        stage_key = back.get("lifecycle_stage")
        by_email = {email: uid for uid, email in self._users_map().items()}
        failed: dict[str, str] = {}
        for crm_id, values in updates:
            body: dict[str, Any] = {}
            custom: dict[str, Any] = {}
            for ours, value in values.items():
                if ours == "owner":
                    owner = str(value).strip()
                    uid = int(owner) if owner.isdigit() else by_email.get(owner.lower())
                    if uid is None:
                        failed[crm_id] = f"owner {owner!r} is not a Pipedrive user; the owner was not written"
                    else:
                        body["owner_id"] = uid
                elif ours == "score" and self.score_property:
                    custom[self.score_property] = value
                elif ours == "lifecycle_stage" and stage_key and stage_key not in ATTRIBUTES:
                    custom[stage_key] = value
            if custom:
                body["custom_fields"] = custom
            if not body:
                continue
            try:
                self.http.request("PATCH", f"{PERSONS}/{crm_id}", json_body=body)
            except CrmError as e:
                if not e.record:                        # the token, the rate limit, an outage: stop here
                    raise
                failed[crm_id] = str(e).removeprefix(f"{self.label}: ")
        return failed


register(ConnectorKind(
    name="pipedrive", title="Pipedrive CRM", settings=PipedriveSettings, secrets=("api_token",),
    required_secrets=("api_token",), review=over_http("api_token"),
    source=lambda name, settings, secret: PipedriveSource(name, settings, secret("api_token")),
    help="Syncs persons from Pipedrive (API v2, with an API token) and writes owner, and score and lifecycle "
         "stage to the custom fields you name, back."))
