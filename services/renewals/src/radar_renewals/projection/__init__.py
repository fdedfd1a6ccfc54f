"""The consumer side: which event types renewals applies, with what, in which order.

A batch runs in one unit of work: first the accounts it writes facts for are locked
(replicas re-derive an account one at a time), then each family's facts are stored (one
statement per table), then every subscription they touched is re-derived, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from radar_renewals.projection import crm, health
from radar_renewals.projection.touched import rederive, written_accounts
from radar_renewals.store.accounts import lock_accounts
from radar_runtime import Batch, Routes, UnitOfWork
from radar_runtime import routes as declare

if TYPE_CHECKING:
    from radar_renewals.parts import RenewalsParts


def routes(parts: RenewalsParts) -> Routes:
    refresher = parts.refresher

    async def rederive_touched(uow: UnitOfWork, batch: Batch) -> None:
        await rederive(refresher, uow, batch)

    return declare(
        ("account.upserted", crm.apply_accounts),
        ("subscription.upserted", crm.apply_subscriptions),
        ("renewal.booked", crm.apply_bookings),
        ("subscription.cancelled", crm.apply_cancellations),
        ("renewal.opportunity_updated", crm.apply_opportunities),
        ("contact.changed", crm.apply_contacts),
        ("health.scored", health.apply_scores),
        before=lock_written,
        after=rederive_touched,
    )


async def lock_written(uow: UnitOfWork, batch: Batch) -> None:
    """Before any fact is written or a subscription chosen: see `lock_accounts`."""
    await lock_accounts(uow.session, written_accounts(batch))
