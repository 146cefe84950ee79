"""A Mautic campaign as read from either of the JSON shapes Mautic produces (connectors/convert/mautic.py
says which), before it is converted."""
from __future__ import annotations

import re
from dataclasses import dataclass, field as dc_field
from typing import Any

from switchback.connectors.convert.builder import field, literal, text
from switchback.runtime.problems import InputError


NOT_MAUTIC = ("not a Mautic campaign: expected a campaign export (\"campaign\" and \"campaign_event\") "
              "or an API campaign (\"events\")")

# Mautic contact field aliases that have a standard Switchback name.
FIELDS = {"firstname": "first_name", "lastname": "last_name", "position": "job_title", "points": "score",
          "owner_id": "owner", "stage": "lifecycle_stage"}

# Decisions: what the contact does, as a Switchback event type.
DECISION_EVENTS = {"email.open": "email_opened", "email.click": "email_clicked", "email.reply": "email_replied",
                   "page.pagehit": "page_view", "page.devicehit": "page_view", "form.submit": "form_submitted",
                   "asset.download": "asset_downloaded", "sms.reply": "sms_replied",
                   "dwc.decision": "dynamic_content_viewed"}

UNITS = {"i": 60, "h": 3600, "d": 86400}
APPROX_UNITS = {"m": (30 * 86400, "month", "30 days"), "y": (365 * 86400, "year", "365 days")}
WEEKDAYS = {0: "sun", 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat"}
FOREVER = "52w"


@dataclass
class Event:
    id: str
    name: str
    type: str
    kind: str                       # action | decision | condition
    parent: str | None
    path: str | None                # yes | no, on a decision's or condition's child
    mode: str | None
    interval: Any
    unit: str | None
    date: Any
    hour: Any
    window_start: Any
    window_stop: Any
    days: list
    outer: dict                     # the event's properties as stored (flattened form values too)
    inner: dict                     # the action's own settings
    order: float
    children: list["Event"] = dc_field(default_factory=list)

    def get(self, key: str, default: Any = None) -> Any:
        """A setting, preferring the resolved value Mautic keeps beside the form's raw one."""
        for source in (self.outer, self.inner):
            value = source.get(key)
            if value not in (None, "", []):
                return value
        return default

    @property
    def label(self) -> str:
        return self.name or self.type


@dataclass
class Source:
    kind: str                        # lists | forms
    id: str
    name: str | None
    alias: str | None


@dataclass
class Campaign:
    id: Any
    name: str
    description: str | None
    allow_restart: bool
    events: dict[str, Event]
    sources: list[Source]
    positions: dict[str, list[float]]
    connections: list[dict]
    emails: dict[str, dict]
    segments: dict[str, Source]




# -- reading ---------------------------------------------------------------------------------------
def read_campaign(data: Any, place: str) -> Campaign:
    if isinstance(data, list):
        bundle = next((x for x in data if isinstance(x, dict) and "campaign" in x and "campaign_event" in x), None)
        if bundle is None:
            raise InputError(place, NOT_MAUTIC)
        return _read_export(bundle, place)
    if not isinstance(data, dict):
        raise InputError(place, NOT_MAUTIC)
    if "campaign_event" in data and "campaign" in data:
        return _read_export(data, place)
    if isinstance(data.get("campaign"), dict):
        return _read_api(data["campaign"], place)
    if isinstance(data.get("campaigns"), (dict, list)):
        found = list(data["campaigns"].values() if isinstance(data["campaigns"], dict) else data["campaigns"])
        if len(found) != 1:
            raise InputError(place, f"holds {len(found)} campaigns; export or fetch one campaign per file")
        return _read_api(found[0], place)
    if "events" in data and ("name" in data or "canvasSettings" in data):
        return _read_api(data, place)
    raise InputError(place, NOT_MAUTIC)


def _positions(canvas: Any) -> tuple[dict[str, list[float]], list[dict]]:
    if not isinstance(canvas, dict):
        return {}, []
    out = {}
    for n in canvas.get("nodes") if isinstance(canvas.get("nodes"), list) else []:
        try:
            out[str(n["id"])] = [float(n["positionX"]), float(n["positionY"])]
        except (KeyError, TypeError, ValueError):
            continue
    connections = canvas.get("connections") if isinstance(canvas.get("connections"), list) else []
    return out, [c for c in connections if isinstance(c, dict)]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _order(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _read_export(bundle: dict, place: str) -> Campaign:
    campaigns = bundle.get("campaign")
    if not isinstance(campaigns, list) or not campaigns or not isinstance(campaigns[0], dict):
        raise InputError(place, "a Mautic export without a campaign")
    if len(campaigns) > 1:
        raise InputError(place, f"holds {len(campaigns)} campaigns; export one campaign per file")
    c = campaigns[0]
    raw_events = bundle.get("campaign_event")
    if not isinstance(raw_events, list):
        raise InputError(place, "\"campaign_event\" must be a list")
    events = {}
    for e in raw_events:
        if not isinstance(e, dict) or "id" not in e or not isinstance(e.get("type"), str):
            raise InputError(place, "every campaign_event needs an \"id\" and a \"type\"")
        if e.get("campaign_id") not in (None, c.get("id")):
            continue
        outer = e.get("properties") if isinstance(e.get("properties"), dict) else {}
        inner = outer.get("properties") if isinstance(outer.get("properties"), dict) else outer
        events[str(e["id"])] = Event(
            id=str(e["id"]), name=text(e.get("name")), type=e["type"],
            kind=text(e.get("event_type") or outer.get("eventType")) or "action",
            parent=_ref(e.get("parent_id")),
            path=text(e.get("decisionPath") or e.get("decision_path")) or None,
            mode=text(e.get("trigger_mode")) or None, interval=e.get("trigger_interval"),
            unit=text(e.get("trigger_interval_unit")) or None, date=e.get("trigger_date"), hour=e.get("trigger_hour"),
            window_start=e.get("triggerRestrictedStartHour"), window_stop=e.get("triggerRestrictedStopHour"),
            days=_list(e.get("triggerRestrictedDaysOfWeek")), outer=outer, inner=inner,
            order=_order(e.get("event_order")))
    deps = bundle.get("dependencies")
    deps = deps[0] if isinstance(deps, list) and deps and isinstance(deps[0], dict) else deps if isinstance(deps, dict) else {}

    def linked(kind: str) -> list[Source]:
        entities = {str(x.get("id")): x for x in bundle.get(kind) or [] if isinstance(x, dict)}
        if deps.get(kind) is not None:
            ids = [str(d[kind]) for d in deps.get(kind) or []
                   if isinstance(d, dict) and kind in d and d.get("campaign") == c.get("id")]
        else:
            ids = list(entities)
        return [Source(kind, i, text((entities.get(i) or {}).get("name")) or None,
                       text((entities.get(i) or {}).get("alias")) or None)
                for i in dict.fromkeys(ids)]

    positions, connections = _positions(c.get("canvas_settings") or c.get("canvasSettings"))
    emails = {str(x.get("id")): x for x in bundle.get("email") or [] if isinstance(x, dict)}
    segments = {str(x.get("id")): Source("lists", str(x.get("id")), text(x.get("name")) or None, text(x.get("alias")) or None)
                for x in bundle.get("lists") or [] if isinstance(x, dict)}
    return Campaign(id=c.get("id"), name=text(c.get("name")), description=c.get("description"),
                    allow_restart=bool(c.get("allow_restart")), events=events,
                    sources=linked("lists") + linked("forms"), positions=positions,
                    connections=connections, emails=emails, segments=segments)


def _ref(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return None if value in (None, "") or isinstance(value, (dict, list, bool)) else str(value)


def _read_api(c: dict, place: str) -> Campaign:
    raw = c.get("events")
    raw = list(raw.values()) if isinstance(raw, dict) else raw if isinstance(raw, list) else None
    if raw is None:
        raise InputError(place, NOT_MAUTIC)
    events = {}
    for e in raw:
        if not isinstance(e, dict) or "id" not in e or not isinstance(e.get("type"), str):
            raise InputError(place, "every event needs an \"id\" and a \"type\"")
        props = e.get("properties") if isinstance(e.get("properties"), dict) else {}
        events[str(e["id"])] = Event(
            id=str(e["id"]), name=text(e.get("name")), type=e["type"], kind=e.get("eventType") or "action",
            parent=_ref(e.get("parent")), path=text(e.get("decisionPath")) or None,
            mode=text(e.get("triggerMode")) or None, interval=e.get("triggerInterval"),
            unit=text(e.get("triggerIntervalUnit")) or None, date=e.get("triggerDate"), hour=e.get("triggerHour"),
            window_start=e.get("triggerRestrictedStartHour"), window_stop=e.get("triggerRestrictedStopHour"),
            days=_list(e.get("triggerRestrictedDaysOfWeek")), outer=props, inner=props,
            order=_order(e.get("order")))
    # An event's `children` name it as their parent, where a payload left `parent` empty.
    for e in raw:
        for child in e.get("children") if isinstance(e.get("children"), list) else []:
            cid = _ref(child)
            if cid in events and events[cid].parent is None:
                events[cid].parent = str(e["id"])

    def sources(kind: str) -> list[Source]:
        return [Source(kind, str(x.get("id")), text(x.get("name")) or None, text(x.get("alias")) or None)
                for x in c.get(kind) or [] if isinstance(x, dict) and x.get("id") is not None]

    positions, connections = _positions(c.get("canvasSettings"))
    lists = sources("lists")
    return Campaign(id=c.get("id"), name=text(c.get("name")), description=c.get("description"),
                    allow_restart=bool(c.get("allowRestart")), events=events,
                    sources=lists + sources("forms"), positions=positions, connections=connections,
                    emails={}, segments={s.id: s for s in lists})


# -- converting ------------------------------------------------------------------------------------
def tokens(value: str) -> str:
    """Mautic's `{contactfield=firstname}` (with an optional `|default`) as a Switchback template."""
    def one(m: re.Match) -> str:
        name, _, default = m.group(1).partition("|")
        ref = field(FIELDS.get(name.strip(), name.strip()))
        return "{{ " + ref + (f" or {literal(default)}" if default else "") + " }}"
    return re.sub(r"\{contactfield=([^}]+)\}", one, value)


def _plain(html: Any) -> str | None:
    if not isinstance(html, str) or not html.strip():
        return None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip() or None
