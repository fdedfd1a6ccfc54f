"""The usage worker: recomputes accounts whose usage changed, at most every few seconds.

Staleness bound: a usage change shows in the score within `usage_recompute_seconds`
plus the time to recompute the queued accounts. The worker also recomputes accounts whose
late usage settled (usage.sharp_drop held its verdict until then), announces overrides
that expired since they were last emitted, and re-counts the band gauge.

Claiming deletes the queue rows in the recompute's own transaction: a crash puts them
back, and usage committed after the claim queues the account again.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from sqlalchemy import text

from radar_runtime import Periodic, Runtime

from . import metrics
from .scoring.recompute import Recomputer

log = logging.getLogger(__name__)

_CLAIM = text(
    """
    DELETE FROM recompute_queue WHERE account_id IN (
        SELECT account_id FROM recompute_queue ORDER BY account_id
        LIMIT :limit FOR UPDATE SKIP LOCKED)
    RETURNING account_id
    """
)
# Late usage that settled since the account's last recompute. Only the last day's marks
# are looked at (an index range); the daily recompute catches any older one.
_SETTLED_USAGE = text(
    """
    SELECT a.account_id FROM accounts a
    LEFT JOIN account_health h ON h.account_id = a.account_id
    WHERE a.late_usage_at > :since AND a.late_usage_at <= :settled
      AND (h.as_of IS NULL OR h.as_of < a.late_usage_at + CAST(:settle AS interval))
      AND a.account_id > :after
    ORDER BY 1 LIMIT :limit
    """
)
_EXPIRED_OVERRIDES = text(
    """
    SELECT o.account_id FROM health_overrides o
    JOIN account_health h ON h.account_id = o.account_id
    WHERE o.expires_at <= :now AND h.emitted_override IS NOT NULL
      AND h.score IS NOT NULL  -- without a computed score there is nothing to announce
    ORDER BY 1 LIMIT :limit
    """
)
_BAND_COUNTS = text(
    """
    SELECT COALESCE(CASE WHEN o.expires_at > :now THEN o.effective_band END, h.band, 'unscored'),
           count(*)
    FROM accounts a
    LEFT JOIN account_health h ON h.account_id = a.account_id
    LEFT JOIN health_overrides o ON o.account_id = a.account_id
    GROUP BY 1
    """
)
BANDS = ("green", "yellow", "red", "unscored")


class UsageRecomputeWorker:
    def __init__(
        self,
        runtime: Runtime,
        recomputer: Recomputer,
        *,
        interval_seconds: float,
        chunk_size: int,
        gauge_seconds: float,
    ) -> None:
        self._runtime = runtime
        self._recomputer = recomputer
        self._chunk = chunk_size
        self._gauge_seconds = gauge_seconds
        self._gauge_counted = 0.0
        self._loop = Periodic(
            "health-usage-worker", self.run_once, interval_seconds, wait_first=True
        )

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def run_once(self) -> int:
        """Drain the queue and announce expired overrides; returns accounts recomputed."""
        done = 0
        while not self._loop.stopping:
            async with self._runtime.unit_of_work() as uow:
                claimed = list(
                    (await uow.session.execute(_CLAIM, {"limit": self._chunk})).scalars()
                )
                if claimed:
                    result = await self._recomputer.recompute(uow, claimed)
                    done += result.accounts
            metrics.USAGE_QUEUE_DRAINED.inc(len(claimed))
            if len(claimed) < self._chunk:
                break
        done += await self._judge_settled_usage()
        done += await self._announce_expired_overrides()
        if time.monotonic() - self._gauge_counted >= self._gauge_seconds:
            await refresh_band_gauge(self._runtime)
            self._gauge_counted = time.monotonic()
        return done

    async def _judge_settled_usage(self) -> int:
        settle = timedelta(
            minutes=self._recomputer.rules.alerts.usage_sharp_drop.backfill_settle_minutes
        )
        done, after = 0, ""
        while not self._loop.stopping:
            async with self._runtime.unit_of_work() as uow:
                settled = uow.now - settle
                params = {
                    "since": settled - timedelta(days=1),
                    "settled": settled,
                    "settle": settle,
                    "after": after,
                    "limit": self._chunk,
                }
                ids = list((await uow.session.execute(_SETTLED_USAGE, params)).scalars())
                if not ids:
                    break
                # Keyset: an account whose recompute fails is not retried in this pass.
                after = ids[-1]
                done += (await self._recomputer.recompute(uow, ids)).accounts
            if len(ids) < self._chunk:
                break
        return done

    async def _announce_expired_overrides(self) -> int:
        async with self._runtime.unit_of_work() as uow:
            expired = list(
                (
                    await uow.session.execute(
                        _EXPIRED_OVERRIDES, {"now": uow.now, "limit": self._chunk}
                    )
                ).scalars()
            )
            if not expired:
                return 0
            result = await self._recomputer.recompute(uow, expired)
        return result.accounts


async def refresh_band_gauge(runtime: Runtime, now: datetime | None = None) -> None:
    """Count accounts per shown band; every replica reports the same global count."""
    assert runtime.db is not None
    async with runtime.db.sessions() as session:
        rows = await session.execute(_BAND_COUNTS, {"now": now or runtime.clock.now()})
        counts = {band: count for band, count in rows}
    for band in BANDS:
        metrics.HEALTH_ACCOUNTS.labels(band).set(counts.get(band, 0))
