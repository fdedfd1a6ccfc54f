"""The consumer side: store a batch's facts, then re-derive what they touched."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from radar_renewals.projection.crm import FactBatch
from radar_renewals.projection.refresh import Refresher
from radar_renewals.store.accounts import lock_accounts, subscriptions_of_accounts_with_times
from radar_runtime import Routes, UnitOfWork
from radar_runtime import routes as declare
from radar_schemas.envelope import Envelope
from radar_schemas.topics import CRM, HEALTH, types_of

if TYPE_CHECKING:
    from radar_renewals.parts import RenewalsParts


def routes(parts: RenewalsParts) -> Routes:
    return declare((types_of(CRM, HEALTH), RenewalsHandler(parts.refresher)))


class RenewalsHandler:
    def __init__(self, refresher: Refresher) -> None:
        self.refresher = refresher

    async def __call__(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        batch = FactBatch()
        batch.add_all(events)
        touched = batch.touched
        if not touched:
            return
        session = uow.session
        # Before the facts are written and the subscriptions chosen: see `lock_accounts`.
        await lock_accounts(session, touched.written)
        await batch.write(session)
        causes = dict(touched.subscriptions)
        _merge(causes, await subscriptions_of_accounts_with_times(session, touched.accounts))
        fully = set(causes)
        _merge(causes, await subscriptions_of_accounts_with_times(session, touched.signals))
        await self.refresher.refresh(
            uow,
            causes,
            locked=touched.written,
            causes=causes,
            signals_only=set(causes) - fully,
        )


def _merge(causes: dict[str, datetime], more: dict[str, datetime]) -> None:
    for subscription_id, at in more.items():
        if subscription_id not in causes or at > causes[subscription_id]:
            causes[subscription_id] = at
