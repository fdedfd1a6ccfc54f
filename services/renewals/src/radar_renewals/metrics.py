"""Prometheus metrics of renewals. Alert counters are the runtime's shared ones.

Gauges are recounted from the `terms` table every `interval` seconds, so every replica
reports the same totals. (A recount is a GROUP BY over every term: recounting after
each change would cost more than the changes under a CRM backfill.)
"""

from __future__ import annotations

from prometheus_client import Gauge
from sqlalchemy import func, select

from radar_renewals.domain.terms import State
from radar_renewals.store.tables import terms
from radar_runtime import Periodic, Runtime

RENEWALS = Gauge("radar_renewals", "Renewal terms by state.", ["state"])
ARR_AT_RISK = Gauge(
    "radar_renewal_arr_at_risk",
    "ARR of open renewal terms in the high risk band (sum across currencies).",
)


class GaugeRefresher:
    """A runtime worker: recounts the gauges every `interval` seconds."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self._runtime = runtime
        self._loop = Periodic("renewals-gauges", self.refresh, interval)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def refresh(self) -> None:
        db = self._runtime.db
        if db is None:
            return
        at_risk = terms.c.is_open & (terms.c.risk_band == "high")
        async with db.sessions() as session:
            rows = await session.execute(
                select(terms.c.state, func.count()).group_by(terms.c.state)
            )
            counts = {state: count for state, count in rows}
            arr_at_risk = await session.scalar(
                select(func.coalesce(func.sum(terms.c.arr), 0)).where(at_risk)
            )
        for state in State:
            RENEWALS.labels(state.value).set(counts.get(state.value, 0))
        ARR_AT_RISK.set(float(arr_at_risk or 0))
