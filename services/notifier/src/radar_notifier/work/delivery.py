"""The delivery worker: recheck due alerts, flush due digests, send due deliveries.

Woken right after the projection commits new notices or the API acks or snoozes,
and at least every `worker_poll_seconds`. Every decision reads the runtime's
injected clock, so tests move the clock and call `run_once()` instead of sleeping.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Mapping
from dataclasses import dataclass

from radar_notifier import metrics
from radar_notifier.domain.render import Links
from radar_notifier.rules import NotifierRules
from radar_notifier.senders import Sender
from radar_notifier.settings import NotifierSettings
from radar_notifier.store import deliveries, notices
from radar_notifier.work.flush import flush_due_groups
from radar_notifier.work.recheck import recheck_due_alerts
from radar_notifier.work.sending import send_due_batch
from radar_runtime import Periodic, Runtime
from radar_runtime.db import advisory_key

log = logging.getLogger(__name__)

# Bounds one run, so a large backlog cannot starve the loop's other duties.
MAX_ROUNDS = 50


@dataclass
class RunSummary:
    queued: int = 0
    flushed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    interrupted: int = 0


class DeliveryWorker:
    """Runs in the runtime's database once it started; `senders` by channel name."""

    def __init__(
        self,
        runtime: Runtime,
        settings: NotifierSettings,
        rules: NotifierRules,
        senders: Mapping[str, Sender],
        links: Links,
        rng: random.Random | None = None,
    ) -> None:
        self._runtime = runtime
        self._settings = settings
        self._rules = rules
        self._senders = dict(senders)
        self._rng = rng or random.Random()
        self._links = links
        self._lock = asyncio.Lock()
        self._loop = Periodic(
            "notifier-delivery-worker",
            self.run_once,
            settings.worker_poll_seconds,
            wait_first=True,
        )

    def wake(self) -> None:
        self._loop.wake()

    async def start(self) -> None:
        for sender in self._senders.values():
            await sender.start()
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()
        for sender in self._senders.values():
            with contextlib.suppress(Exception):
                await sender.close()

    async def run_once(self) -> RunSummary:
        """Do everything due at the clock's current time; returns what was done."""
        runtime = self._runtime
        if runtime.db is None:
            raise RuntimeError("the delivery worker runs once the runtime has started")
        summary = RunSummary()
        async with self._lock:
            for _ in range(MAX_ROUNDS):
                async with runtime.unit_of_work() as uow:
                    evaluation = await recheck_due_alerts(uow, self._rules, uow.now)
                summary.queued += len(evaluation.notices)
                metrics.count_suppressed(evaluation.suppressed)
                lock_key = advisory_key(runtime.db.schema, "notifier-flush")
                async with runtime.unit_of_work() as uow:
                    flushed = await flush_due_groups(
                        uow, self._rules, lock_key, uow.now, self._links
                    )
                summary.flushed += flushed.deliveries
                metrics.count_suppressed(flushed.dropped)
                more_to_send = await self._send_batch(summary)
                if not (flushed.more or more_to_send or evaluation.notices):
                    break
            await self._update_queue_depth()
        return summary

    async def _send_batch(self, summary: RunSummary) -> bool:
        assert self._runtime.db is not None
        batch = await send_due_batch(
            self._runtime.db,
            self._runtime.clock,
            self._senders,
            self._rules.retry,
            self._rng,
            batch_size=self._settings.send_batch_size,
            concurrency=self._settings.send_concurrency,
        )
        for observe in batch.observed:
            observe()
        summary.sent += batch.sent
        summary.retried += batch.retried
        summary.failed += batch.failed
        summary.interrupted += batch.interrupted
        return batch.attempted >= self._settings.send_batch_size

    async def _update_queue_depth(self) -> None:
        assert self._runtime.db is not None
        async with self._runtime.db.sessions() as session:
            waiting = await notices.count_waiting(session)
            pending = await deliveries.count_pending(session)
        metrics.QUEUE_DEPTH.labels("grouping").set(waiting)
        metrics.QUEUE_DEPTH.labels("delivery").set(pending)
