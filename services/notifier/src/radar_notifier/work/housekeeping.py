"""Scheduled clean-up: old sent deliveries and settled notices, the signatures of
Slack requests too old to be replayed, used email links past their expiry (refused
as expired from then on). Failed deliveries stay."""

from __future__ import annotations

from datetime import datetime, timedelta

from radar_notifier.store import deliveries, notices, slack_requests, used_links
from radar_runtime import Job, Runtime

# Slack refuses requests older than 5 minutes; a day keeps every replayable signature.
SLACK_REQUESTS_KEPT = timedelta(days=1)


def purge_job(runtime: Runtime, retention: timedelta) -> Job:
    async def purge(now: datetime) -> None:
        cutoff = now - retention
        async with runtime.unit_of_work() as uow:
            await deliveries.purge_sent(uow.session, cutoff)
            await notices.purge_settled(uow.session, cutoff)
            await slack_requests.purge(uow.session, now - SLACK_REQUESTS_KEPT)
            await used_links.purge_expired(uow.session, now)

    return Job("purge-delivery-log", timedelta(hours=6), purge)
