"""usage.recorded → daily totals per account/metric, the last day each user was seen, the
account's first-seen instant and when late usage last arrived (one statement a batch)."""

from __future__ import annotations

from radar_runtime import UnitOfWork
from radar_schemas.usage import UsageRecordedEvent

from ..store import usage

USAGE_RECORDED = "usage.recorded"


async def apply_usage(uow: UnitOfWork, events: list[UsageRecordedEvent]) -> None:
    # The batch's processing time tells late usage (see `accounts.late_usage_at`).
    await usage.apply_usage(uow.session, events, now=uow.now)
