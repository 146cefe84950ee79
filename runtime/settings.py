"""A journey's settings (SPEC section 1) as a pydantic model; every one is optional."""
from __future__ import annotations

import re
from datetime import timedelta

from pydantic import BaseModel, Field, field_validator

from switchback.nodes.durations import Duration, TimeOfDay, parse_duration
from switchback.nodes.fields import Condition

_REENTRY = re.compile(r"^(never|always|after:(.+))$")


class QuietHours(BaseModel):
    model_config = {"extra": "forbid"}
    start: TimeOfDay = Field(title="From")
    end: TimeOfDay = Field(title="Until")


class FrequencyCap(BaseModel):
    model_config = {"extra": "forbid"}
    messages: int = Field(gt=0, title="Messages")
    per: Duration = Field(title="Per")

    @property
    def window(self) -> timedelta:
        return parse_duration(self.per)


class Settings(BaseModel):
    model_config = {"extra": "forbid"}
    priority: int = Field(0, title="Priority", description="Higher wins when a contact qualifies for several journeys at once.")
    reentry: str = Field("never", title="Re-entry", description="never, always, or after:<duration> (after:30d).",
                         json_schema_extra={"shows": "reentry"})
    exit_when: Condition | None = Field(None, title="Exit when", description="Checked before every step.")
    goal: Condition | None = Field(None, title="Goal", description="When true the contact converts and leaves.")
    quiet_hours: QuietHours | None = Field(None, title="Quiet hours")
    frequency_cap: FrequencyCap | None = Field(None, title="Frequency cap")
    suppresses: list[str] = Field(default_factory=list, title="Suppresses",
                                  description="Journeys the contact is taken out of when it enters this one.")
    holdout: float = Field(0, ge=0, le=50, title="Holdout %",
                           description="This share of the contacts who enter (0-50) is sent nothing and changed by "
                                       "nothing, so their goal conversion shows what the journey adds.")
    goal_window: Duration = Field("30d", title="Goal window",
                                  description="How long after entering the goal still counts as converted.")
    review: bool = Field(False, title="Review before publishing",
                         description="Publishing waits until someone other than the draft's authors approves it "
                                     "(switchback approve KEY).")

    @field_validator("reentry")
    @classmethod
    def _reentry(cls, v: str) -> str:
        m = _REENTRY.match(v)
        if not m:
            raise ValueError(f"{v!r} is not never, always or after:<duration>")
        if m.group(2):
            if parse_duration(m.group(2)) <= timedelta(0):
                raise ValueError("the re-entry delay must be longer than zero")
        return v

    @property
    def goal_after(self) -> timedelta:
        return parse_duration(self.goal_window)

    @property
    def reentry_after(self) -> timedelta | None:
        return parse_duration(self.reentry[6:]) if self.reentry.startswith("after:") else None
