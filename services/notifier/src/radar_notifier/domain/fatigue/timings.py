"""The fatigue timings of the rule file's `[timings]`, as Alertmanager names them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from radar_notifier.domain.durations import Duration, PositiveDuration


class Timings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # How long a recipient's first notice waits, to gather a burst into one digest.
    group_wait: Duration
    # After a digest, how long new notices for the same recipient wait.
    group_interval: PositiveDuration
    # An alert that stays raised is told again to the same recipient after this long.
    repeat_interval: PositiveDuration
