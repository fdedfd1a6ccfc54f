"""The gauges worker: recounts terms per state and ARR at risk from the `terms` table.

Every replica reports the same totals. (A recount is a GROUP BY over every term:
recounting after each change would cost more than the changes under a CRM backfill.)
"""

from __future__ import annotations

from radar_renewals.domain.terms import State
from radar_renewals.metrics import ARR_AT_RISK, RENEWALS
from radar_renewals.store import terms
from radar_runtime import Periodic, Runtime


class Gauges:
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
        async with db.sessions() as session:
            counts = await terms.count_by_state(session)
            at_risk = await terms.arr_at_risk(session)
        for state in State:
            RENEWALS.labels(state.value).set(counts.get(state.value, 0))
        ARR_AT_RISK.set(float(at_risk))
