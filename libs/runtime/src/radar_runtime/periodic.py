"""A background task that runs one step every so often until stopped.

The scheduler, the services' workers and gauge refreshers all loop the same way: run
a step, wait for the interval (or a wake-up, or stop), log a failed step and try again
at the next interval. The step itself stays a plain method tests can call directly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Periodic:
    def __init__(
        self,
        name: str,
        step: Callable[[], Awaitable[object]],
        interval: float,
        *,
        wait_first: bool = False,
    ) -> None:
        self.name = name
        self._step = step
        self._interval = interval
        self._wait_first = wait_first
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def stopping(self) -> bool:
        """True once `stop` was called: long steps check it between rounds."""
        return self._stopping.is_set()

    def wake(self) -> None:
        """Run the step now instead of at the end of the interval."""
        self._wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Let the step in hand finish, then end the loop."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        waiting = self._wait_first
        while not self._stopping.is_set():
            if waiting:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._interval)
                self._wake.clear()
                if self._stopping.is_set():
                    return
            waiting = True
            try:
                await self._step()
            except Exception:
                log.exception(f"{self.name} failed; trying again at the next interval")
