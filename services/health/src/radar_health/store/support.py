"""Support desk facts: tickets (the newest state wins) and the NPS and CSAT responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Table, case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from radar_runtime.versions import newer
from radar_schemas.support import (
    CsatSubmittedEvent,
    NpsSubmittedEvent,
    TicketClosedEvent,
    TicketOpenedEvent,
    TicketUpdatedEvent,
)

from .arrays import arrays, unnested
from .tables import csat_responses, nps_responses, tickets

TicketEvent = TicketOpenedEvent | TicketUpdatedEvent | TicketClosedEvent

_STATE = ("priority", "status", "escalated", "is_open", "version_at", "version_id")

_tickets = unnested(
    "e", *tickets.c["account_id", "ticket_id", "opened_at"], *(tickets.c[c] for c in _STATE)
)
_insert_tickets = insert(tickets).from_select(
    list(_tickets.c.keys()), select(_tickets).order_by(*_tickets.c["account_id", "ticket_id"])
)


def _if_newer(name: str) -> ColumnElement[object]:
    return case(
        (text(newer("excluded", "tickets")), _insert_tickets.excluded[name]),
        else_=tickets.c[name],
    )


_MERGE_TICKETS = _insert_tickets.on_conflict_do_update(
    index_elements=[tickets.c.account_id, tickets.c.ticket_id],
    set_={
        **{name: _if_newer(name) for name in _STATE},
        "opened_at": func.least(tickets.c.opened_at, _insert_tickets.excluded.opened_at),
    },
)


def _responses(table: Table, subject: str) -> Insert:
    """An insert of responses, each once (by its event id)."""
    rows = unnested("e", *table.c["event_id", "account_id", subject, "score", "at"])
    return insert(table).from_select(list(rows.c.keys()), select(rows)).on_conflict_do_nothing()


_ADD_NPS = _responses(nps_responses, "contact_id")
_ADD_CSAT = _responses(csat_responses, "ticket_id")


async def merge_tickets(
    session: AsyncSession,
    newest: Sequence[TicketEvent],
    opened: Mapping[tuple[str, str], datetime],
) -> None:
    """`newest`: the newest event of each (account, ticket) in the batch, which sets its
    state (open unless it is ticket.closed); `opened`: each one's earliest event."""
    if not newest:
        return
    keys = [(e.account_id, e.payload.ticket_id) for e in newest]
    await session.execute(
        _MERGE_TICKETS,
        arrays(
            account_id=[account for account, _ in keys],
            ticket_id=[ticket for _, ticket in keys],
            opened_at=[opened[key] for key in keys],
            priority=[e.payload.priority for e in newest],
            status=[e.payload.status for e in newest],
            escalated=[e.payload.escalated for e in newest],
            is_open=[e.type != "ticket.closed" for e in newest],
            version_at=[e.occurred_at for e in newest],
            version_id=[e.event_id for e in newest],
        ),
    )


async def add_nps(session: AsyncSession, events: Sequence[NpsSubmittedEvent]) -> None:
    await _add_responses(
        session, _ADD_NPS, events, contact_id=[e.payload.contact_id for e in events]
    )


async def add_csat(session: AsyncSession, events: Sequence[CsatSubmittedEvent]) -> None:
    await _add_responses(
        session, _ADD_CSAT, events, ticket_id=[e.payload.ticket_id for e in events]
    )


async def _add_responses(
    session: AsyncSession,
    statement: Insert,
    events: Sequence[NpsSubmittedEvent] | Sequence[CsatSubmittedEvent],
    **subject: list[str],
) -> None:
    """`subject`: who or what each response is about (its contact or ticket)."""
    if events:
        values = arrays(
            event_id=[e.event_id for e in events],
            account_id=[e.account_id for e in events],
            score=[e.payload.score for e in events],
            at=[e.occurred_at for e in events],
            **subject,
        )
        await session.execute(statement, values)
