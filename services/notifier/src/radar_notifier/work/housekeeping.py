"""Scheduled clean-up: old sent deliveries and settled notices. Failed deliveries stay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete

from radar_notifier.settings import NotifierSettings
from radar_notifier.store.tables import deliveries, pending_notifications
from radar_runtime import Job, Runtime


def housekeeping_jobs(runtime: Runtime, settings: NotifierSettings) -> Sequence[Job]:
    retention = timedelta(days=settings.sent_retention_days)

    async def purge(now: datetime) -> None:
        cutoff = now - retention
        async with runtime.unit_of_work() as uow:
            await uow.session.execute(
                delete(deliveries).where(
                    deliveries.c.status == "sent", deliveries.c.sent_at < cutoff
                )
            )
            await uow.session.execute(
                delete(pending_notifications).where(
                    pending_notifications.c.status != "waiting",
                    pending_notifications.c.enqueued_at < cutoff,
                )
            )

    return [Job("purge-delivery-log", timedelta(hours=6), purge)]
