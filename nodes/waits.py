"""Waits: hold the contact until a time, a moment derived from its fields, or an event."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from pydantic import field_validator, model_validator

from switchback.nodes.durations import Duration, Offset, TimeOfDay, describe, parse_duration, parse_time_of_day
from switchback.nodes.fields import Condition, described
from switchback.nodes.localtime import WEEKDAYS, at_local, next_local, on_weekday
from switchback.nodes.outcomes import Park, Wait
from switchback.nodes.registry import Config, Listens, NodeKind, register
from switchback.nodes.triggers import as_date


class DelayConfig(Config):
    duration: Duration = described("Wait for", "How long to wait, such as 30m, 2d or 1w.")


DELAY = register(NodeKind(
    name="wait.delay", title="Wait", category="Waits", keywords="delay pause hours days later",
    starter={"duration": "1d"},
    help="Holds the contact for a fixed time, then moves on.",
    config=DelayConfig,
    run=lambda ctx, cfg: Wait(until=ctx.now + parse_duration(cfg.duration)),
    summary=lambda c: f"Wait {describe(c.duration)}",
))


class UntilConfig(Config):
    at: str | None = described("At", "A date and time (ISO 8601, such as 2026-12-01T09:00); "
                               "without a zone it is read in the contact's time zone.", default=None)
    field: str | None = described("Date field", "Or wait until the date in this contact field.", picks="field",
                                  default=None)
    offset: Offset | None = described("Offset", "Before (-1d) or after (2d) the field's date.", default=None)
    time: TimeOfDay | None = described("Time of day", "In the contact's time zone, such as 09:00.", default=None)
    weekdays: list[str] | None = described("Weekdays", "Only on these days: mon, tue, wed, thu, fri, sat, sun.",
                                           shows="weekdays", default=None)

    @field_validator("at")
    @classmethod
    def _an_instant(cls, value: str | None) -> str | None:
        if value:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date and time (ISO 8601, such as 2026-12-01T09:00)") from None
        return value

    @model_validator(mode="after")
    def _one_anchor(self):
        if self.at and self.field:
            raise ValueError("give either at or field, not both")
        if not (self.at or self.field or self.time):
            raise ValueError("give at, field or time")
        if self.offset and not self.field:
            raise ValueError("offset goes with field")
        for day in self.weekdays or []:
            if day not in WEEKDAYS:
                raise ValueError(f"{day!r} is not a weekday (use {', '.join(WEEKDAYS)})")
        return self


def _instant(value: Any, zone: tzinfo) -> datetime | None:
    """A field holding a moment (a datetime, or ISO text with a time of day, as a CSV or an event
    brings it) in UTC; None for a plain date. A moment without a zone is read in `zone`."""
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value.astimezone(timezone.utc) if value.tzinfo else at_local(value.date(), value.time(), zone)


def _until(ctx, cfg: UntilConfig):
    zone = ctx.zone()
    clock = parse_time_of_day(cfg.time) if cfg.time else None
    if cfg.at:
        moment = datetime.fromisoformat(cfg.at)
        if moment.tzinfo is None:
            moment = at_local(moment.date(), moment.time(), zone)
    elif cfg.field:
        value = ctx.field(cfg.field)
        day = as_date(value)
        if day is None:
            return Park(f"the contact has no date in {cfg.field}")
        shift = parse_duration(cfg.offset) if cfg.offset else timedelta(0)
        instant = _instant(value, zone)
        if instant is not None and clock is None:
            moment = instant + shift
        else:
            moment = at_local(day + timedelta(days=shift.days), clock or datetime.min.time(), zone)
    else:
        moment = next_local(ctx.now, clock, zone, cfg.weekdays)
    if cfg.weekdays:
        moment = on_weekday(moment, zone, cfg.weekdays)
    return Wait(until=moment)


def _until_summary(c: UntilConfig) -> str:
    if c.at:
        return f"Wait until {c.at}"
    if c.field:
        return f"Wait until {c.field}" + (f" {c.offset}" if c.offset else "") + (f" at {c.time}" if c.time else "")
    return f"Wait until {c.time}" + (f" on {', '.join(c.weekdays)}" if c.weekdays else "")


UNTIL = register(NodeKind(
    name="wait.until", title="Wait until", category="Waits", starter={"time": "09:00"},
    help="Holds the contact until a date and time, or a moment taken from one of its date fields.",
    config=UntilConfig, run=_until, summary=_until_summary,
    field_refs=lambda c: [c.field] if c.field else [],
    listens=lambda c: Listens(date_field=c.field, offset=c.offset) if c.field else None,
))


class EventWaitConfig(Config):
    event: str = described("Event", "The event type to wait for, such as email_clicked.", picks="event",
                           min_length=1)
    where: Condition | None = described("Only when", "A condition on the event and the contact.", default=None)
    timeout: Duration = described("Give up after", "If no such event comes within this time, leave by timeout.")


WAIT_EVENT = register(NodeKind(
    name="wait.event", title="Wait for an event", category="Waits", chooses=True,
    starter={"event": "email_clicked", "timeout": "2d"},
    keywords="click clicked open opened reply replied form submitted engagement goal",
    help="Holds the contact until it does something, or until the time runs out.",
    config=EventWaitConfig,
    run=lambda ctx, cfg: Wait(until=ctx.now + parse_duration(cfg.timeout), on_time="timeout",
                              event=cfg.event, where=cfg.where, on_event="event"),
    ports=lambda cfg: ["event", "timeout"],
    summary=lambda c: f"Wait up to {describe(c.timeout)} for {c.event}",
    listens=lambda c: Listens(event=c.event, where=c.where),
))
