"""The periodic loop behind the scheduler and the services' workers."""

from __future__ import annotations

import asyncio

from radar_runtime import Periodic
from radar_runtime.testing.helpers import eventually


def reached(steps: Steps, calls: int):
    async def check() -> bool:
        return steps.calls >= calls

    return check


class Steps:
    def __init__(self, failures: int = 0) -> None:
        self.calls = 0
        self.failures = failures

    async def __call__(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("step failed")


async def test_runs_at_once_then_every_interval_and_survives_a_failing_step():
    steps = Steps(failures=1)
    loop = Periodic("test-loop", steps, 0.01)
    await loop.start()
    await eventually(reached(steps, 3), timeout=5, what="three steps")
    await loop.stop()
    stopped_at = steps.calls
    await asyncio.sleep(0.05)
    assert steps.calls == stopped_at  # nothing runs after stop
    assert loop.stopping


async def test_wait_first_runs_only_when_woken_within_a_long_interval():
    steps = Steps()
    loop = Periodic("test-loop", steps, 3600, wait_first=True)
    await loop.start()
    await asyncio.sleep(0.05)
    assert steps.calls == 0
    loop.wake()
    await eventually(reached(steps, 1), timeout=5, what="the woken step")
    await loop.stop()  # wakes the wait, runs no further step
    assert steps.calls == 1
