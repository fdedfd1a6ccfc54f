"""Newest-wins within a batch: the event with the greatest (occurred_at, event_id) per key.

The database applies the same order to what is already stored, so the winner never
depends on the order events arrive in, nor on how they were split into batches.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TypeVar

from radar_schemas.envelope import Envelope

E = TypeVar("E", bound=Envelope)
K = TypeVar("K", bound=Hashable)


def version_of(event: Envelope) -> tuple[object, ...]:
    return (event.occurred_at, event.event_id)


def newest_by(events: Iterable[E], key: Callable[[E], K]) -> dict[K, E]:
    newest: dict[K, E] = {}
    for event in events:
        k = key(event)
        known = newest.get(k)
        if known is None or version_of(event) > version_of(known):
            newest[k] = event
    return newest


# The SQL twin of `version_of(new) > version_of(stored)`; stored NULL means "never set".
NEWER = (
    "({new}.{p}version_at IS NOT NULL AND ({old}.{p}version_at IS NULL"
    " OR ({new}.{p}version_at, {new}.{p}version_id) > ({old}.{p}version_at, {old}.{p}version_id)))"
)


def newer(new: str, old: str, prefix: str = "") -> str:
    return NEWER.format(new=new, old=old, p=prefix)
