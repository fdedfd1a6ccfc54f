"""Send due deliveries: lock a batch (FOR UPDATE SKIP LOCKED), send concurrently,
record every attempt, schedule retries with backoff and jitter, or mark failed.

The rows stay locked while their messages are out, so no other replica sends them;
a crash before commit leaves them pending and they are sent again after restart
(at least once; the email Message-ID stays the same across attempts).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from radar_notifier import metrics
from radar_notifier.domain.retry import Outcome, RandomSource, RetryPolicy, next_attempt_at
from radar_notifier.senders import Outgoing, Sender, SendResult
from radar_notifier.store import deliveries
from radar_notifier.store.deliveries import Attempt
from radar_runtime import UnitOfWork


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    attempted: int = 0
    observed: list[Callable[[], None]] = field(default_factory=list)


async def send_due_batch(
    uow: UnitOfWork,
    senders: Mapping[str, Sender],
    policy: RetryPolicy,
    rng: RandomSource,
    *,
    batch_size: int,
    concurrency: int,
) -> SendSummary:
    """One batch; metrics are returned as callbacks to run once the batch committed."""
    now = uow.now
    rows = await deliveries.lock_due(uow.session, now, batch_size)
    summary = SendSummary(attempted=len(rows))
    if not rows:
        return summary
    gate = asyncio.Semaphore(concurrency)

    async def attempt(row: Any) -> SendResult:
        sender = senders.get(row.channel)
        if sender is None:
            return SendResult(Outcome.PERMANENT_FAILURE, f"no sender for channel {row.channel}")
        async with gate:
            return await sender.send(Outgoing(row.idempotency_key, row.recipient, row.payload))

    results = await asyncio.gather(*(attempt(row) for row in rows))
    attempts = [
        _attempt(row, result, now, policy, rng, summary)
        for row, result in zip(rows, results, strict=True)
    ]
    await deliveries.record_attempts(uow.session, attempts)
    return summary


def _attempt(
    row: Any,
    result: SendResult,
    now: datetime,
    policy: RetryPolicy,
    rng: RandomSource,
    summary: SendSummary,
) -> Attempt:
    attempts = row.attempts + 1
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


def _observe_sent(channel: str, latency: float) -> None:
    metrics.NOTIFICATIONS.labels(channel, "sent").inc()
    metrics.DELIVERY_SECONDS.labels(channel).observe(latency)
