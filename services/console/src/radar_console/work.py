"""Housekeeping: expired sessions and abandoned sign-ins are deleted."""

from __future__ import annotations

from datetime import timedelta

from radar_runtime import Runtime
from radar_runtime.scheduler import Job

from .store import sessions


def purge_sessions_job(runtime: Runtime) -> Job:
    async def purge(_: object) -> None:
        assert runtime.db is not None
        async with runtime.db.sessions() as db, db.begin():
            await sessions.purge_expired(db, runtime.clock.now())

    return Job("purge-console-sessions", timedelta(hours=1), purge)
