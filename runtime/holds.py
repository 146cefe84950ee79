"""When a message to a contact may go out: quiet hours in the contact's zone and rolling frequency
caps (per journey and across the workspace). A held send waits; it is never dropped."""
from __future__ import annotations

from datetime import datetime, tzinfo

from switchback.nodes.durations import parse_time_of_day
from switchback.nodes.localtime import in_window
from switchback.runtime.settings import FrequencyCap, QuietHours


def release(now: datetime, sent: list[tuple[datetime, str]], journey: str, zone: tzinfo,
            quiet: QuietHours | None, journey_cap: FrequencyCap | None,
            workspace_cap: FrequencyCap | None) -> tuple[datetime, str] | None:
    """None when the message may go now; else (the earliest moment it may, and why not now)."""
    moment, reason = now, ""
    caps = [(journey_cap, journey, "this journey's frequency cap"), (workspace_cap, None, "the workspace's frequency cap")]
    for _ in range(32):                      # each rule only moves time forward; a few rounds settle
        moved = False
        for cap, only, label in caps:
            if cap is None:
                continue
            start = moment - cap.window
            times = [at for at, j in sent if at > start and at <= moment and (only is None or j == only)]
            if len(times) >= cap.messages:
                moment, reason, moved = times[len(times) - cap.messages] + cap.window, label, True
        if quiet is not None:
            end = in_window(moment, parse_time_of_day(quiet.start), parse_time_of_day(quiet.end), zone)
            if end is not None:
                moment, reason, moved = end, "quiet hours", True
        if not moved:
            break
    return None if moment <= now else (moment, reason)
