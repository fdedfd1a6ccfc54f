"""The usage worker: recomputes accounts whose usage changed, at most every few seconds.

Staleness bound: a usage change shows in the score within `usage_recompute_seconds`
plus the time to recompute the queued accounts. The worker also replays the history of
accounts whose late events settled (the rules held their verdicts until then; see
`projection/replay.py`), announces overrides that expired since they were last emitted,
and re-counts the band gauge.

Claiming deletes the queue rows in the recompute's own transaction: a crash puts them
back, and usage committed after the claim queues the account again.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from radar_runtime import Periodic, Runtime

from .. import metrics
from ..projection.recompute import Recomputer
from ..projection.replay import HistoryReplayer
from ..store.health import count_by_shown_band
from ..store.history import claim_settled, count_queued
from ..store.overrides import expired_overrides
from ..store.queue import claim

log = logging.getLogger(__name__)

BANDS = ("green", "yellow", "red", "unscored")


class UsageRecomputeWorker:
    def __init__(
        self,
        runtime: Runtime,
        recomputer: Recomputer,
        replayer: HistoryReplayer,
        *,
        interval_seconds: float,
        chunk_size: int,
        replay_chunk_size: int,
        gauge_seconds: float,
        settle: timedelta,
    ) -> None:
        """`settle`: how long after a late event last arrived the history counts as settled."""
        self._runtime = runtime
        self._recomputer = recomputer
        self._replayer = replayer
        self._chunk = chunk_size
        self._replay_chunk = replay_chunk_size
        self._gauge_seconds = gauge_seconds
        self._gauge_counted = 0.0
        self._settle = settle
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
                claimed = await claim(uow.session, self._chunk)
                if claimed:
                    result = await self._recomputer.recompute(uow, claimed)
                    done += result.accounts
            metrics.USAGE_QUEUE_DRAINED.inc(len(claimed))
            if len(claimed) < self._chunk:
                break
        done += await self._replay_settled_history()
        done += await self._announce_expired_overrides()
        if time.monotonic() - self._gauge_counted >= self._gauge_seconds:
            await refresh_band_gauge(self._runtime)
            self._gauge_counted = time.monotonic()
        return done

    async def _replay_settled_history(self) -> int:
        done = 0
        while not self._loop.stopping:
            async with self._runtime.unit_of_work() as uow:
                claims = await claim_settled(uow.session, uow.now, self._settle, self._replay_chunk)
                if claims:
                    done += (await self._replayer.replay(uow, claims)).accounts
            if len(claims) < self._replay_chunk:
                break
        assert self._runtime.db is not None
        async with self._runtime.db.sessions() as session:
            metrics.HISTORY_WAITING.set(await count_queued(session))
        return done

    async def _announce_expired_overrides(self) -> int:
        async with self._runtime.unit_of_work() as uow:
            expired = await expired_overrides(uow.session, uow.now, self._chunk)
            if not expired:
                return 0
            result = await self._recomputer.recompute(uow, expired)
        return result.accounts


async def refresh_band_gauge(runtime: Runtime, now: datetime | None = None) -> None:
    """Count accounts per shown band; every replica reports the same global count."""
    assert runtime.db is not None
    async with runtime.db.sessions() as session:
        counts = await count_by_shown_band(session, now or runtime.clock.now())
    for band in BANDS:
        metrics.HEALTH_ACCOUNTS.labels(band).set(counts.get(band, 0))
