"""Send due deliveries: claim a batch (FOR UPDATE SKIP LOCKED, marked `sending` and
committed before anything goes out), send concurrently, then record every outcome,
scheduling retries with backoff and jitter, or marking failed.

At least once, visibly: a crash between the send and the record leaves the row
`sending`; the next batch (here or on another replica) finds it, counts the
interrupted attempt in the delivery log and in radar_notification_resends_total, and
sends it again as the same message (an email keeps its Message-ID).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from radar_notifier import metrics
from radar_notifier.domain.retry import Outcome, RandomSource, RetryPolicy, next_attempt_at
from radar_notifier.senders import Outgoing, Sender, SendResult
from radar_notifier.store import deliveries
from radar_notifier.store.deliveries import Attempt
from radar_runtime import Clock
from radar_runtime.db import Database

log = logging.getLogger(__name__)


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    attempted: int = 0
    interrupted: int = 0
    observed: list[Callable[[], None]] = field(default_factory=list)


async def send_due_batch(
    db: Database,
    clock: Clock,
    senders: Mapping[str, Sender],
    policy: RetryPolicy,
    rng: RandomSource,
    *,
    batch_size: int,
    concurrency: int,
) -> SendSummary:
    """One batch; metrics are returned as callbacks to run once its outcomes committed."""
    # One connection for the whole batch: its claim locks say "being sent" until released.
    async with db.engine.connect() as connection:
        session = AsyncSession(bind=connection, expire_on_commit=False)
        try:
            now = clock.now()
            async with session.begin():
                interrupted = await deliveries.recover_interrupted(session, now, db.schema)
                rows = await deliveries.claim_due(session, now, batch_size, db.schema)
            summary = SendSummary(attempted=len(rows), interrupted=len(interrupted))
            for cut_short in interrupted:
                summary.observed.append(partial(_observe_resend, cut_short.channel))
            results = await _send_all(rows, senders, concurrency)
            attempts = [
                _attempt(row, result, now, policy, rng, summary)
                for row, result in zip(rows, results, strict=True)
            ]
            async with session.begin():
                await deliveries.record_attempts(session, attempts)
            return summary
        finally:
            await _release_claims(session, connection)


async def _send_all(
    rows: Sequence[Any], senders: Mapping[str, Sender], concurrency: int
) -> list[SendResult]:
    gate = asyncio.Semaphore(concurrency)

    async def attempt(row: Any) -> SendResult:
        sender = senders.get(row.channel)
        if sender is None:
            return SendResult(Outcome.PERMANENT_FAILURE, f"no sender for channel {row.channel}")
        async with gate:
            return await sender.send(Outgoing(row.idempotency_key, row.recipient, row.payload))

    return list(await asyncio.gather(*(attempt(row) for row in rows)))


async def _release_claims(session: AsyncSession, connection: AsyncConnection) -> None:
    try:
        async with session.begin():
            await deliveries.release_claims(session)
    except Exception:
        # Claims must not outlive the batch on a pooled connection: drop the connection.
        with contextlib.suppress(Exception):
            await connection.invalidate()
        log.warning("could not release delivery claims; connection dropped")


def _attempt(
    row: Any,
    result: SendResult,
    now: datetime,
    policy: RetryPolicy,
    rng: RandomSource,
    summary: SendSummary,
) -> Attempt:
    attempts = row.attempts  # counted when the row was claimed
    channel = row.channel
    if result.outcome is Outcome.DELIVERED:
        summary.sent += 1
        latency = max((now - row.first_occurred_at).total_seconds(), 0.0)
        summary.observed.append(lambda: _observe_sent(channel, latency))
        return Attempt(row.id, "sent", attempts, now, row.last_error)
    retry_at = None
    if result.outcome is Outcome.RETRY:
        retry_at = next_attempt_at(attempts, now, policy, rng, result.retry_after)
    if retry_at is None:
        summary.failed += 1
        summary.observed.append(lambda: metrics.NOTIFICATIONS.labels(channel, "failed").inc())
        return Attempt(row.id, "failed", attempts, now, result.error)
    summary.retried += 1
    summary.observed.append(lambda: metrics.NOTIFICATIONS.labels(channel, "retry").inc())
    return Attempt(row.id, "pending", attempts, now, result.error, next_attempt_at=retry_at)


def _observe_resend(channel: str) -> None:
    metrics.RESENDS.labels(channel).inc()


def _observe_sent(channel: str, latency: float) -> None:
    metrics.NOTIFICATIONS.labels(channel, "sent").inc()
    metrics.DELIVERY_SECONDS.labels(channel).observe(latency)
