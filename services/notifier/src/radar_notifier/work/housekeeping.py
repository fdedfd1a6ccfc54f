"""Scheduled clean-up: old sent deliveries and settled notices. Failed deliveries stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from radar_notifier.store import deliveries, notices
from radar_runtime import Job, Runtime


def purge_job(runtime: Runtime, retention: timedelta) -> Job:
    async def purge(now: datetime) -> None:
        cutoff = now - retention
        async with runtime.unit_of_work() as uow:
            await deliveries.purge_sent(uow.session, cutoff)
            await notices.purge_settled(uow.session, cutoff)

    return Job("purge-delivery-log", timedelta(hours=6), purge)
