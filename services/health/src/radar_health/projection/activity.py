"""Before a batch is projected: every account a CRM or support event names exists, its
first-seen instant widened and whether it ever had a ticket noted (usage does the same
in its own statement, the hot path)."""

from __future__ import annotations

from radar_runtime import Batch, UnitOfWork

from ..store import accounts
from .usage import USAGE_RECORDED


async def touch_accounts(uow: UnitOfWork, batch: Batch) -> None:
    events = [e for e in batch.events if e.type != USAGE_RECORDED]
    await accounts.touch_accounts(
        uow.session,
        [e.account_id for e in events],
        [e.occurred_at for e in events],
        # Only ticket events tell whether a ticket is open; a CSAT alone does not.
        [e.type.startswith("ticket.") for e in events],
    )
