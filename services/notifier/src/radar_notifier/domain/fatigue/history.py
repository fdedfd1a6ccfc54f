"""History being loaded: alert events that arrive long after they happened.

Loading a source's history replays months of conditions in minutes; most were over
long ago. Their notices wait until the load settles (no late alert event for
`settle`), so a condition whose resolve is still on its way pages nobody; one that
still holds then is told once. Live events are never held.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from radar_notifier.domain.durations import Duration, PositiveDuration


class History(BaseModel):
    """The rule file's `[history]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # An alert event this much older than its arrival is history being loaded.
    late_after: PositiveDuration
    # Its notices wait until no late alert event arrived for this long...
    settle: Duration
    # ...but never longer than this after they were queued.
    max_hold: Duration

    def is_late(self, occurred_at: datetime, now: datetime) -> bool:
        return now - occurred_at > self.late_after

    def settled(self, last_late_at: datetime | None, now: datetime) -> bool:
        """No late alert event arrived for `settle` (the last one at `last_late_at`)."""
        return last_late_at is None or now >= last_late_at + self.settle
