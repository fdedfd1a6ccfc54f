"""Newest wins: the one version order of every projection, in Python and in SQL.

An event's version is `(occurred_at, event_id)`: event time first, the id breaking
ties, so the winner never depends on the order events arrive in nor on how they were
split into batches. Tables keep it in two columns, `<prefix>version_at` and
`<prefix>version_id`, and compare them with `newer()`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from radar_schemas.envelope import Envelope

E = TypeVar("E", bound=Envelope)
K = TypeVar("K", bound=Hashable)

Version = tuple[datetime, UUID]


def version_of(event: Envelope) -> Version:
    return (event.occurred_at, event.event_id)


def newest_by(events: Iterable[E], key: Callable[[E], K]) -> dict[K, E]:
    """The newest event per key."""
    newest: dict[K, E] = {}
    for event in events:
        k = key(event)
        known = newest.get(k)
        if known is None or version_of(event) > version_of(known):
            newest[k] = event
    return newest


_NEWER = (
    "({new}.{p}version_at IS NOT NULL AND ({old}.{p}version_at IS NULL"
    " OR ({new}.{p}version_at, {new}.{p}version_id) > ({old}.{p}version_at, {old}.{p}version_id)))"
)


def newer(new: str, old: str, prefix: str = "") -> str:
    """The SQL twin of `version_of(new) > version_of(old)` for two row aliases (e.g.
    `EXCLUDED` and the table); a stored NULL version means "never set"."""
    return _NEWER.format(new=new, old=old, p=prefix)
