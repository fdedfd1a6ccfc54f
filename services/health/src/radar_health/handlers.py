"""The consumer's handler: project a batch, then recompute what it changed.

Accounts touched by CRM or support events are recomputed in the batch's own
transaction, so their health.scored and alerts leave with the batch. Usage arrives at
tens of thousands of events a second; recomputing per batch could not keep up, so
usage-only accounts are queued and recomputed by the usage worker within
`usage_recompute_seconds` (see `worker.py`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from radar_runtime import UnitOfWork
from radar_schemas.envelope import Envelope

from .projection.accounts import apply_contacts, apply_profiles, touch_accounts
from .projection.batch import HealthBatch
from .projection.subscriptions import apply_subscriptions
from .projection.support import apply_responses, apply_tickets
from .projection.usage import apply_usage
from .scoring.recompute import Recomputer

Handler = Callable[[UnitOfWork, Sequence[Envelope]], Awaitable[None]]


def make_handler(recomputer: Recomputer) -> Handler:
    async def handle(uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        batch = HealthBatch.of(events)
        session = uow.session
        now = {e.account_id for e in batch.non_usage()}
        later = {e.account_id for e in batch.usage} - now
        await apply_usage(session, batch.usage, queued=later, now=uow.now)
        await touch_accounts(session, batch.non_usage())
        await apply_profiles(session, batch.profiles)
        await apply_subscriptions(session, batch.subscriptions, batch.bookings, batch.cancellations)
        await apply_contacts(session, batch.contacts)
        await apply_tickets(session, batch.tickets)
        await apply_responses(session, batch.nps, batch.csat)
        if now:
            await recomputer.recompute(uow, sorted(now))

    return handle
