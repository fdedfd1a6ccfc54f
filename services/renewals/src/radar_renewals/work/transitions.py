"""The daily transitions job: re-evaluate open terms when the date moves on.

State and risk move with the date alone (in_window at 120 days, overdue after the end
date, churned after the tolerance; deals "stall" as the date nears), so every open term
not yet evaluated today is re-derived, in chunks of subscriptions, one transaction each.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from radar_renewals.projection.refresh import Refresher
from radar_renewals.store.accounts import lock_accounts
from radar_renewals.store.terms import unevaluated_open
from radar_runtime import Runtime

log = logging.getLogger(__name__)


class Transitions:
    def __init__(self, runtime: Runtime, refresher: Refresher, *, chunk: int) -> None:
        self._runtime = runtime
        self._refresher = refresher
        self._chunk = chunk

    async def run(self, now: datetime) -> int:
        """Re-derive every subscription with an open term evaluated before today."""
        today = now.astimezone(UTC).date()
        after = ""
        written = 0
        while True:
            async with self._runtime.unit_of_work() as uow:
                due = await unevaluated_open(uow.session, today, after=after, limit=self._chunk)
                if not due:
                    break
                ids, accounts = [s for s, _ in due], {a for _, a in due}
                await lock_accounts(uow.session, accounts)
                written += await self._refresher.refresh(uow, ids, locked=accounts)
            after = ids[-1]
        if written:
            log.info("renewal transitions applied", extra={"terms": written, "day": str(today)})
        return written
