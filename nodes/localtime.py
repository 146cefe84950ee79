"""Local times of day in a contact's zone, correct across daylight-saving changes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone, tzinfo

WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def at_local(day: date, clock: time, zone: tzinfo) -> datetime:
    """`day` at `clock` on the wall in `zone`, as UTC. A wall time skipped by a spring-forward
    change lands just after the gap, as a person would read it: read with the offset in force
    before the change, 02:30 on a day that jumps from 02:00 to 03:00 is 03:30 (as RFC 5545 reads
    it). A wall time that occurs twice (fall back) is its first occurrence."""
    return datetime.combine(day, clock).replace(tzinfo=zone, fold=0).astimezone(timezone.utc)


def next_local(after: datetime, clock: time, zone: tzinfo, weekdays: list[str] | None = None) -> datetime:
    """The first moment at or after `after` when the wall clock in `zone` shows `clock`
    (on one of `weekdays`, if given)."""
    day = after.astimezone(zone).date()
    for _ in range(15):
        t = at_local(day, clock, zone)
        if t >= after and (not weekdays or WEEKDAYS[day.weekday()] in weekdays):
            return t
        day += timedelta(days=1)
    raise ValueError("no allowed weekday")


def on_weekday(moment: datetime, zone: tzinfo, weekdays: list[str]) -> datetime:
    """`moment`, moved day by day (keeping its wall time) until it falls on one of `weekdays`."""
    local = moment.astimezone(zone)
    day = local.date()
    for _ in range(8):
        if WEEKDAYS[day.weekday()] in weekdays:
            return at_local(day, local.time(), zone) if day != local.date() else moment
        day += timedelta(days=1)
    raise ValueError("no allowed weekday")


def in_window(moment: datetime, start: time, end: time, zone: tzinfo) -> datetime | None:
    """If `moment` falls inside the daily window [start, end) in `zone`, the window's end (UTC);
    else None. A window whose start is after its end runs over midnight (20:00-08:00)."""
    local = moment.astimezone(zone)
    wall = local.time().replace(tzinfo=None)
    if start <= end:
        inside = start <= wall < end
        end_day = local.date()
    else:
        inside = wall >= start or wall < end
        end_day = local.date() + timedelta(days=1) if wall >= start else local.date()
    if not inside:
        return None
    return at_local(end_day, end, zone)
