"""The totals worker: folds the pending term-total changes into `term_totals` every few
seconds, so a reader adds up a short list of changes (`store.totals`)."""

from __future__ import annotations

from radar_renewals.store import totals
from radar_runtime import Periodic, Runtime
from radar_runtime.db import advisory_key


class TotalsFolder:
    """A runtime worker; one replica folds at a time."""

    def __init__(self, runtime: Runtime, interval: float) -> None:
        self._runtime = runtime
        self._loop = Periodic("renewals-totals", self.fold, interval)

    async def start(self) -> None:
        await self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop()

    async def fold(self) -> int:
        db = self._runtime.db
        if db is None:
            return 0
        async with db.sessions() as session, session.begin():
            return await totals.fold(session, advisory_key(db.schema, "term-totals"))
