"""The gauges worker: recounts terms per state and ARR at risk from the `terms` table.

Every replica reports the same totals, summed from the term totals per renewal day
(`store.totals`).
"""

from __future__ import annotations

from radar_renewals.domain.terms import State
from radar_renewals.metrics import ARR_AT_RISK, RENEWALS
from radar_renewals.store import totals
from radar_runtime import Periodic, Runtime


class Gauges:
    """A runtime worker: recounts the gauges every `interval` seconds."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self._runtime = runtime
        self._currencies: set[str] = set()
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
            counts = await totals.count_by_state(session)
            at_risk = await totals.arr_at_risk(session)
        for state in State:
            RENEWALS.labels(state.value).set(counts.get(state.value, 0))
        # A currency no longer at risk reads 0 rather than its last figure.
        for currency in self._currencies - at_risk.keys():
            ARR_AT_RISK.labels(currency).set(0)
        for currency, arr in at_risk.items():
            ARR_AT_RISK.labels(currency).set(float(arr))
        self._currencies |= at_risk.keys()
