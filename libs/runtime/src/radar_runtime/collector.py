"""Python's cyclic garbage collector, paused while a batch is applied.

A batch's working set (decoded events, facts, derived rows) lives until the batch ends
and then dies by reference counting. Left running, the collector walks that live set
again and again as it grows (every `threshold` net allocations) and finds nothing to
free. Paused, the batch's objects are gone before it looks: one young-generation
collection after the batch scans only what survived it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_batches_in_flight = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause collection for the block; nests across concurrent consumer loops, and
    leaves a collector someone else disabled alone."""
    global _batches_in_flight
    if _batches_in_flight == 0 and not gc.isenabled():
        yield  # disabled elsewhere: not ours to resume
        return
    _batches_in_flight += 1
    gc.disable()
    try:
        yield
    finally:
        _batches_in_flight -= 1
        if _batches_in_flight == 0:
            gc.enable()
            gc.collect(0)
