"""The daily transitions job: re-evaluate open terms when the date moves on.

State and risk move with the date alone (in_window at 120 days, overdue after the end
date, churned after the tolerance; deals "stall" as the date nears), so every open term
not yet evaluated today is re-derived, in chunks of subscriptions, one transaction each.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import func, select

from radar_renewals.projection.refresh import Projector
from radar_renewals.store.tables import terms
from radar_renewals.store.terms import lock_accounts
from radar_runtime import Runtime

log = logging.getLogger(__name__)


class Transitions:
    def __init__(self, runtime: Runtime, projector: Projector, *, chunk: int) -> None:
        self._runtime = runtime
        self._projector = projector
        self._chunk = chunk

    async def run(self, now: datetime) -> int:
        """Re-derive every subscription with an open term evaluated before today."""
        today = now.astimezone(UTC).date()
        after = ""
        written = 0
        while True:
            async with self._runtime.unit_of_work() as uow:
                # Keyset pagination: a subscription that fails to re-derive is skipped,
                # not selected again forever.
                rows = (
                    await uow.session.execute(
                        select(terms.c.subscription_id, func.min(terms.c.account_id))
                        .where(
                            terms.c.is_open,
                            terms.c.evaluated_on < today,
                            terms.c.subscription_id > after,
                        )
                        .group_by(terms.c.subscription_id)
                        .order_by(terms.c.subscription_id)
                        .limit(self._chunk)
                    )
                ).all()
                if not rows:
                    break
                ids, accounts = [r[0] for r in rows], {r[1] for r in rows}
                await lock_accounts(uow.session, accounts)
                written += await self._projector.refresh(uow, ids, locked=accounts)
            after = ids[-1]
        if written:
            log.info("renewal transitions applied", extra={"terms": written, "day": str(today)})
        return written
