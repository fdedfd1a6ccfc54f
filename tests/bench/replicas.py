"""The renewals service as several replica processes in one consumer group, timed together.

Each replica is a process of its own, as deployed (one Python process per replica: the
interpreter runs one thread of Python at a time). It runs the service's app with the
benchmark's counting handler and reports each commit to this process, which times the
group from the first batch any replica started to the commit that completes the count.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from dataclasses import dataclass
from multiprocessing.synchronize import Event
from typing import Any

from radar_renewals.settings import RenewalsSettings

from .common import postgres_cpu_seconds


@dataclass(frozen=True)
class Progress:
    """One replica's counts as last reported: CRM events applied, the monotonic times of
    its first batch and last commit, its CPU seconds at both."""

    applied: int
    first_at: float
    last_at: float
    cpu_at_first: float
    cpu_at_last: float


@dataclass(frozen=True)
class GroupRate:
    events_per_second: float
    service_cpu_us: float  # all replicas together, per event
    database_cpu_us: float  # per event
    replicas_applying: int  # replicas that applied any event


def replicated_rate(settings: RenewalsSettings, expected: int, replicas: int) -> GroupRate:
    """Start `replicas` processes on the topics' backlog; stop them once `expected` CRM
    events are applied. Blocking: call it while no service runs in this process."""
    spawn = multiprocessing.get_context("spawn")
    reports: Any = spawn.Queue()
    stop = spawn.Event()
    fields = settings.model_dump()
    processes = [
        spawn.Process(target=_replica, args=(fields, reports, stop)) for _ in range(replicas)
    ]
    for process in processes:
        process.start()
    progress: dict[int, Progress] = {}
    database_at_first = 0.0
    try:
        while sum(p.applied for p in progress.values()) < expected:
            pid, *values = reports.get(timeout=1800)
            if not progress:
                database_at_first = postgres_cpu_seconds()
            progress[pid] = Progress(*values)
        database = postgres_cpu_seconds() - database_at_first
    finally:
        stop.set()
        for process in processes:
            process.join(120)
    applied = sum(p.applied for p in progress.values())
    span = max(p.last_at for p in progress.values()) - min(p.first_at for p in progress.values())
    service = sum(p.cpu_at_last - p.cpu_at_first for p in progress.values())
    return GroupRate(
        applied / span, 1e6 * service / applied, 1e6 * database / applied, len(progress)
    )


def _replica(fields: dict[str, Any], reports: Any, stop: Event) -> None:
    asyncio.run(_serve(RenewalsSettings(**fields), reports, stop))


async def _serve(settings: RenewalsSettings, reports: Any, stop: Event) -> None:
    from .bench_renewals import Counting, counted_app  # imported here: it imports this module

    pid = os.getpid()

    def report(counting: Counting) -> None:
        first_cpu = counting.cpu_at_first[0]
        last = (counting.first_at, counting.last_at, first_cpu, time.process_time())
        reports.put((pid, counting.applied, *last))

    app, _ = counted_app(settings, 0, report)
    async with app.router.lifespan_context(app):
        await asyncio.to_thread(stop.wait)
