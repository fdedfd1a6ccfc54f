"""Support desk events: tickets (the newest event of a ticket sets its state) and the NPS
and CSAT responses (each kept once)."""

from __future__ import annotations

from datetime import datetime

from radar_runtime import UnitOfWork
from radar_runtime.versions import newest_by
from radar_schemas.support import CsatSubmittedEvent, NpsSubmittedEvent

from ..store import support
from ..store.support import TicketEvent


async def apply_tickets(uow: UnitOfWork, events: list[TicketEvent]) -> None:
    """A ticket is open unless its newest event is ticket.closed; it was opened at its
    earliest event."""
    opened: dict[tuple[str, str], datetime] = {}
    for e in events:
        key = (e.account_id, e.payload.ticket_id)
        opened[key] = min(opened.get(key, e.occurred_at), e.occurred_at)
    newest = newest_by(events, lambda e: (e.account_id, e.payload.ticket_id))
    await support.merge_tickets(uow.session, [newest[key] for key in sorted(newest)], opened)


async def apply_nps(uow: UnitOfWork, events: list[NpsSubmittedEvent]) -> None:
    await support.add_nps(uow.session, events)


async def apply_csat(uow: UnitOfWork, events: list[CsatSubmittedEvent]) -> None:
    await support.add_csat(uow.session, events)
