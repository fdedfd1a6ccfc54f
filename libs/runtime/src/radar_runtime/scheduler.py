"""Scheduled work under a PostgreSQL advisory lock: one replica runs each job.

The last run of every job is stored, so a job is due by the injected clock's time,
across restarts and replicas alike; tests move the clock instead of sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from . import metrics
from .clock import Clock
from .db import Database, advisory_key, scheduled_jobs
from .periodic import Periodic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval: timedelta
    run: Callable[[datetime], Awaitable[object]]
    """Called with the clock's time when the job is due."""


class Scheduler:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        clock: Clock,
        jobs: Sequence[Job],
        tick_seconds: float = 5.0,
    ) -> None:
        self._service = service
        self._db = db
        self._clock = clock
        self.jobs = list(jobs)
        self._ticks = Periodic(f"{service}-scheduler", self.run_due, tick_seconds)

    async def start(self) -> None:
        if self.jobs:
            await self._ticks.start()

    async def stop(self) -> None:
        await self._ticks.stop()

    async def run_due(self) -> list[str]:
        """Run every job that is due and whose lock this replica gets; returns their names."""
        ran = []
        for job in self.jobs:
            if await self._run_if_due(job):
                ran.append(job.name)
        return ran

    async def _run_if_due(self, job: Job) -> bool:
        key = advisory_key(self._db.schema, "job", job.name)
        async with self._db.engine.connect() as lock_conn:
            if not await lock_conn.scalar(select(func.pg_try_advisory_lock(key))):
                return False
            try:
                now = self._clock.now()
                last = await lock_conn.scalar(
                    select(scheduled_jobs.c.last_run_at).where(scheduled_jobs.c.name == job.name)
                )
                await lock_conn.commit()
                if last is not None and now - last < job.interval:
                    return False
                try:
                    await job.run(now)
                except Exception:
                    metrics.JOB_RUNS.labels(self._service, job.name, "error").inc()
                    log.exception("scheduled job failed", extra={"job": job.name})
                    return False
                statement = insert(scheduled_jobs).values(name=job.name, last_run_at=now)
                await lock_conn.execute(
                    statement.on_conflict_do_update(
                        index_elements=[scheduled_jobs.c.name],
                        set_={"last_run_at": statement.excluded.last_run_at},
                    )
                )
                await lock_conn.commit()
                metrics.JOB_RUNS.labels(self._service, job.name, "ok").inc()
                return True
            finally:
                await lock_conn.execute(select(func.pg_advisory_unlock(key)))
                await lock_conn.commit()
