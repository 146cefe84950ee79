"""Triggers: how a contact enters a journey. They have no input; each leaves through `next`."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import Field

from switchback.nodes.durations import Days, Offset, TimeOfDay, describe, parse_duration, parse_time_of_day
from switchback.nodes.fields import Condition, described
from switchback.nodes.localtime import at_local
from switchback.nodes.outcomes import Go
from switchback.nodes.registry import Config, Entry, Listens, NodeKind, register


# What can make a trigger fire. The runtime offers each stimulus to every published trigger.
@dataclass(frozen=True, slots=True)
class EventArrived:
    type: str
    at: datetime
    properties: dict[str, Any] = dc_field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FieldsChanged:
    before: dict[str, Any]
    after: dict[str, Any]


def _through(ctx, cfg) -> Go:
    return Go("next")


def _trigger(name, title, help, config, enters_on, starts, fires=None, timer=None, summary=lambda c: "",
             refs=lambda c: [], listens=lambda c: None, keywords="", **more) -> NodeKind:
    return register(NodeKind(name=name, title=title, category="Triggers", help=help, config=config,
                             run=_through, summary=summary, field_refs=refs,
                             fires=fires or (lambda ctx, cfg, s: False), timer=timer, listens=listens,
                             keywords=keywords, enters_on=enters_on, starts=starts, **more))


def _q(text: Any) -> str:
    return f"“{text}”"


class EventConfig(Config):
    event: str = described("Event", "The event type, such as form_submitted or page_view.", picks="event",
                           min_length=1)
    where: Condition | None = described("Only when", "A condition on the event and the contact.", default=None)


def _event_fires(ctx, cfg: EventConfig, s) -> bool:
    return isinstance(s, EventArrived) and s.type == cfg.event and (not cfg.where or ctx.condition(cfg.where))


def _event_starts(c: dict) -> tuple[str, str]:
    where = c.get("where")
    return f"When the event {_q(c.get('event'))} is recorded", f"Only when: {where}" if where else "Any contact"


EVENT = _trigger("trigger.event", "Event happens", "Enters the contact when an event of this type is recorded.",
         EventConfig, Entry.EVENT, _event_starts, fires=_event_fires, starter={"event": "form_submitted"},
         same_as=lambda c: ((c.get("event"),), c.get("where")), keywords="form submitted sign up signup visit page purchase order", listens=lambda c: Listens(event=c.event, where=c.where),
         summary=lambda c: f"When {c.event}" + (f" where {c.where}" if c.where else ""))


class SegmentConfig(Config):
    when: Condition = described("Condition", "The contact enters when this becomes true.", min_length=1)


def _segment_fires(ctx, cfg: SegmentConfig, s) -> bool:
    if isinstance(s, FieldsChanged):
        return ctx.condition(cfg.when) and not ctx.condition_on(s.before, cfg.when)
    return False


SEGMENT = _trigger("trigger.segment", "Joins a segment", "Enters the contact when the condition becomes true for it.",
         SegmentConfig, Entry.CHANGE,
         lambda c: ("When a contact comes to match a condition", f"Contacts for whom: {c.get('when')}"),
         fires=_segment_fires, admits_when=lambda c: c.when, starter={"when": "contact.score >= 50"},
         same_as=lambda c: ((" ".join(str(c.get("when")).split()),), None), keywords="condition list audience filter matches", summary=lambda c: f"When {c.when}")


class FieldChangedConfig(Config):
    field: str = described("Field", "The contact field to watch.", picks="field", min_length=1)
    to: Any = described("Changed to", "Only when the new value is this.", default=None)
    from_: Any = Field(default=None, alias="from", title="Changed from", description="Only when the old value was this.")


def _field_changed_fires(ctx, cfg: FieldChangedConfig, s) -> bool:
    if not isinstance(s, FieldsChanged):
        return False
    old, new = s.before.get(cfg.field), s.after.get(cfg.field)
    return old != new and (cfg.to is None or new == cfg.to) and (cfg.from_ is None or old == cfg.from_)


def _field_changed_starts(c: dict) -> tuple[str, str]:
    words = f"When the field {_q(c.get('field'))} changes"
    if c.get("from") is not None:
        words += f" from {_q(c['from'])}"
    if c.get("to") is not None:
        words += f" to {_q(c['to'])}"
    return words, f"Contacts whose {c.get('field')} changes"


FIELD_CHANGED = _trigger("trigger.field_changed", "Field changes", "Enters the contact when one of its fields changes.",
         FieldChangedConfig, Entry.CHANGE, _field_changed_starts, fires=_field_changed_fires,
         starter={"field": "lifecycle_stage"}, narrowed_by_value=True,
         same_as=lambda c: ((c.get("field"), repr(c.get("from"))), repr(c.get("to")) if c.get("to") is not None else None), listens=lambda c: Listens(field=c.field, value=c.to),
         summary=lambda c: f"When {c.field} changes" + (f" to {c.to}" if c.to is not None else ""),
         refs=lambda c: [c.field])


class ScoreConfig(Config):
    threshold: int = described("Threshold", "Enters when the lead score rises to or past this.")


def _score_fires(ctx, cfg: ScoreConfig, s) -> bool:
    if not isinstance(s, FieldsChanged):
        return False
    old, new = s.before.get("score") or 0, s.after.get("score") or 0
    return isinstance(old, (int, float)) and isinstance(new, (int, float)) and old < cfg.threshold <= new


SCORE_REACHED = _trigger("trigger.score", "Score reached", "Enters the contact when its lead score crosses the threshold upward.",
         ScoreConfig, Entry.CHANGE,
         lambda c: (f"When the lead score reaches {c.get('threshold')}", f"Contacts scoring {c.get('threshold')} or more"),
         fires=_score_fires, starter={"threshold": 50}, same_as=lambda c: ((c.get("threshold"),), None), keywords="lead score points threshold", summary=lambda c: f"When score reaches {c.threshold}",
         listens=lambda c: Listens(field="score", value=c.threshold))


class DateConfig(Config):
    field: str = described("Date field", "A contact field holding a date, such as renewal_date.", picks="field",
                           min_length=1)
    offset: Offset | None = described("Offset", "Before (-7d) or after (2d) the date.", default=None)
    at: TimeOfDay = described("At", "Time of day, in the contact's time zone.", default="09:00")


def as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _date_timer(ctx, cfg: DateConfig, last_activity: datetime) -> datetime | None:
    day = as_date(ctx.field(cfg.field))
    if day is None:
        return None
    if cfg.offset:
        day += timedelta(days=parse_duration(cfg.offset).days)
    return at_local(day, parse_time_of_day(cfg.at), ctx.zone())


def _date_starts(c: dict) -> tuple[str, str]:
    offset, at, field = c.get("offset"), c.get("at", "09:00"), _q(c.get("field"))
    if offset and offset.startswith("-"):
        when = f"{describe(offset[1:])} before the date in {field}"
    elif offset:
        when = f"{describe(offset)} after the date in {field}"
    else:
        when = f"On the date in {field}"
    return f"{when}, at {at}", f"Contacts with a {c.get('field')}"


DATE = _trigger("trigger.date", "Date arrives", "Enters the contact on a date from one of its fields, with an optional offset.",
         DateConfig, Entry.TIME, _date_starts, timer=_date_timer, starter={"field": "renewal_date", "offset": "-7d"},
         same_as=lambda c: ((c.get("field"), c.get("offset") or "0d"), None), keywords="birthday renewal anniversary day", listens=lambda c: Listens(date_field=c.field, offset=c.offset),
         summary=lambda c: f"On {c.field}" + (f" {c.offset}" if c.offset else "") + f" at {c.at}",
         refs=lambda c: [c.field])


class InactiveConfig(Config):
    days: Days = described("Days", "How many days without any event (at most 100 years).", gt=0)


def _inactive_timer(ctx, cfg: InactiveConfig, last_activity: datetime) -> datetime | None:
    return last_activity + timedelta(days=cfg.days)


INACTIVE = _trigger("trigger.inactive", "Goes quiet", "Enters the contact when it has had no event for that many days.",
         InactiveConfig, Entry.TIME,
         lambda c: (f"When a contact has had no activity for {c.get('days')} days", f"Contacts quiet for {c.get('days')} days"),
         timer=_inactive_timer, counts_from_activity=True, starter={"days": 60},
         same_as=lambda c: ((c.get("days"),), None), keywords="inactive dormant win back re-engage no activity", listens=lambda c: Listens(quiet_days=c.days),
         summary=lambda c: f"After {c.days} days without activity")


class ManualConfig(Config):
    pass


MANUAL = _trigger("trigger.manual", "Enrolled by hand",
         "Enters contacts a person enrolls: in Contacts (one, or everyone meeting a condition), from the command "
         "line, or from another journey's Enroll step.",
         ManualConfig, Entry.HAND,
         lambda c: ("When a person enrolls the contact (in Contacts or on the command line) or another journey does",
                    "Whoever is enrolled"),
         summary=lambda c: "Started by a person or the command line")
