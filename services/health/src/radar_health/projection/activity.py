"""Before a batch is projected: every account a CRM or support event names exists, its
first-seen instant widened, whether it ever had a ticket noted and late events marked;
those events are logged for the event-time history, and the accounts whose past days
they change are queued for a replay (usage does the same in its own statement, the hot
path)."""

from __future__ import annotations

from datetime import date

from radar_health.domain.instants import utc_day
from radar_runtime import Batch, UnitOfWork

from ..store import accounts, history
from .usage import USAGE_RECORDED


async def touch_accounts(uow: UnitOfWork, batch: Batch) -> None:
    events = [e for e in batch.events if e.type != USAGE_RECORDED]
    if not events:
        return
    await accounts.touch_accounts(
        uow.session,
        [e.account_id for e in events],
        [e.occurred_at for e in events],
        # Only ticket events tell whether a ticket is open; a CSAT alone does not.
        [e.type.startswith("ticket.") for e in events],
        uow.now,
    )
    await history.log_events(uow.session, events)
    today = utc_day(uow.now)
    from_days: dict[str, date] = {}
    for event in events:
        day = utc_day(event.occurred_at)
        if day < today:
            from_days[event.account_id] = min(from_days.get(event.account_id, day), day)
    await history.queue_history(uow.session, from_days)
