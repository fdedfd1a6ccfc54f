"""Scheduled work: recompute every account (engagement recency worsens without events),
write the day's history point, and trim old history and usage.

Accounts are walked in keyset order (account_id) in chunks, one transaction each, all
at the job's instant, so a crash part-way leaves finished chunks committed and a rerun
emits only what still changed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from radar_runtime import Job, Runtime

from ..projection.recompute import Recomputer, RecomputeResult
from ..store.accounts import account_ids_after
from ..store.health import trim_history
from ..store.usage import trim_usage
from .usage_recompute import refresh_band_gauge

log = logging.getLogger(__name__)

RECOMPUTE_JOB = "health-recompute-all"


@dataclass
class RecomputeAllReport:
    accounts: int = 0
    scored_events: int = 0
    alerts_raised: int = 0
    alerts_resolved: int = 0
    seconds: float = 0.0

    def add(self, result: RecomputeResult) -> None:
        self.accounts += result.accounts
        self.scored_events += result.scored_events
        self.alerts_raised += len(result.raised)
        self.alerts_resolved += len(result.resolved)


class RecomputeAll:
    def __init__(
        self,
        runtime: Runtime,
        recomputer: Recomputer,
        *,
        chunk_size: int,
        history_retention_days: int,
        usage_retention_days: int,
        parallel_chunks: int,
    ) -> None:
        self._runtime = runtime
        self._recomputer = recomputer
        self._chunk = chunk_size
        self._history_days = history_retention_days
        self._usage_days = usage_retention_days
        self._parallel = parallel_chunks

    async def _next_chunk(self, after: str) -> list[str]:
        assert self._runtime.db is not None
        async with self._runtime.db.sessions() as session:
            return await account_ids_after(session, after, self._chunk)

    async def __call__(self, now: datetime) -> RecomputeAllReport:
        started = time.monotonic()
        report = RecomputeAllReport()
        # Chunks overlap: while Python scores one, PostgreSQL reads or writes another.
        slots = asyncio.Semaphore(self._parallel)
        running: list[asyncio.Task[None]] = []

        async def recompute(ids: list[str]) -> None:
            try:
                async with self._runtime.unit_of_work() as uow:
                    result = await self._recomputer.recompute(
                        uow, ids, as_of=now, record_history=True
                    )
                report.add(result)
            finally:
                slots.release()

        after = ""
        try:
            while ids := await self._next_chunk(after):
                after = ids[-1]
                await slots.acquire()
                running.append(asyncio.create_task(recompute(ids)))
        finally:
            # A failed chunk fails the run (after the others finish): the scheduler retries.
            await asyncio.gather(*running)
        async with self._runtime.unit_of_work() as uow:
            await trim_history(uow.session, now - timedelta(days=self._history_days))
            await trim_usage(uow.session, (now - timedelta(days=self._usage_days)).date())
        await refresh_band_gauge(self._runtime, now)
        report.seconds = time.monotonic() - started
        log.info("recomputed every account", extra=vars(report))
        return report


def recompute_job(recompute_all: RecomputeAll, hours: float) -> Job:
    return Job(RECOMPUTE_JOB, timedelta(hours=hours), recompute_all)
