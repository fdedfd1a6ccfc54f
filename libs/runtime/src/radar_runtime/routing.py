"""Event routing as data: which event types a service applies, and with what.

A service declares `Routes`: an ordered list of `(event types, projector)` pairs,
optionally a step before them (e.g. lock what the batch touches) and one after (e.g.
recompute what it changed). The consumer loop hands each batch's new events to
`Routes.apply`, which groups them by type and calls each projector once with its
list, in the declared order, inside the batch's one unit of work. Event types no
route names are skipped (their ids are still claimed, so they are never re-read).
The topics a service consumes are derived from the declaration.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field

from radar_schemas.envelope import Envelope
from radar_schemas.topics import topic_for

from .unit_of_work import UnitOfWork

Projector = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]
"""Applies a list of events of the types it is routed, in arrival order."""


class Batch:
    """One batch's new events, grouped by type, each group in arrival order."""

    def __init__(self, events: Iterable[Envelope]) -> None:
        self.events: list[Envelope] = list(events)
        self._by_type: dict[str, list[Envelope]] = {}
        for event in self.events:
            self._by_type.setdefault(event.type, []).append(event)

    def of(self, types: Iterable[str]) -> list[Envelope]:
        """The events of `types`, in arrival order."""
        wanted = set(types)
        if len(wanted) == 1:
            return list(self._by_type.get(next(iter(wanted)), ()))
        return [event for event in self.events if event.type in wanted]

    @property
    def types(self) -> frozenset[str]:
        return frozenset(self._by_type)

    def __bool__(self) -> bool:
        return bool(self.events)


BatchStep = Callable[[UnitOfWork, Batch], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    types: tuple[str, ...]
    projector: Projector


@dataclass(frozen=True)
class Routes:
    routes: tuple[Route, ...]
    before: BatchStep | None = None
    after: BatchStep | None = None
    event_types: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for route in self.routes:
            for event_type in route.types:
                topic_for(event_type)  # an unknown type fails here, at start-up
                if event_type in seen:
                    raise ValueError(f"event type {event_type} is routed twice")
                seen.add(event_type)
        object.__setattr__(self, "event_types", frozenset(seen))

    @property
    def topics(self) -> tuple[str, ...]:
        """The topics these routes read, derived from their event types."""
        return tuple(sorted({topic_for(t) for t in self.event_types}))

    async def apply(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        batch = Batch(e for e in events if e.type in self.event_types)
        if not batch:
            return
        if self.before is not None:
            await self.before(uow, batch)
        for route in self.routes:
            routed = batch.of(route.types)
            if routed:
                await route.projector(uow, routed)
        if self.after is not None:
            await self.after(uow, batch)


def routes(
    *pairs: tuple[str | Iterable[str], Projector],
    before: BatchStep | None = None,
    after: BatchStep | None = None,
) -> Routes:
    """`routes(("usage.recorded", apply_usage), (("ticket.opened", ...), apply_tickets))`."""
    return Routes(
        tuple(
            Route((types,) if isinstance(types, str) else tuple(types), projector)
            for types, projector in pairs
        ),
        before=before,
        after=after,
    )
