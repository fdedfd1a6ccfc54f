"""Support desk facts: tickets (newest state wins) and the NPS and CSAT responses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime.versions import newer, newest_by
from radar_schemas.support import CsatSubmittedEvent, NpsSubmittedEvent

from .batch import TicketEvent

_TICKET_STATE = ("priority", "status", "escalated", "is_open", "version_at", "version_id")

_MERGE_TICKETS = text(
    f"""
    INSERT INTO tickets AS t (account_id, ticket_id, priority, status, escalated, is_open,
        opened_at, version_at, version_id)
    SELECT * FROM unnest(CAST(:accounts AS text[]), CAST(:tickets AS text[]),
        CAST(:priorities AS text[]), CAST(:statuses AS text[]), CAST(:escalated AS boolean[]),
        CAST(:open AS boolean[]), CAST(:opened_ats AS timestamptz[]),
        CAST(:version_ats AS timestamptz[]), CAST(:version_ids AS uuid[]))
    ORDER BY 1, 2
    ON CONFLICT (account_id, ticket_id) DO UPDATE SET
        {
        ", ".join(
            f"{c} = CASE WHEN {newer('EXCLUDED', 't')} THEN EXCLUDED.{c} ELSE t.{c} END"
            for c in _TICKET_STATE
        )
    },
        opened_at = LEAST(t.opened_at, EXCLUDED.opened_at)
    """
)

_ADD_NPS = text(
    """
    INSERT INTO nps_responses (event_id, account_id, contact_id, score, at)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:accounts AS text[]),
        CAST(:contacts AS text[]), CAST(:scores AS int[]), CAST(:ats AS timestamptz[]))
    ON CONFLICT (event_id) DO NOTHING
    """
)

_ADD_CSAT = text(
    """
    INSERT INTO csat_responses (event_id, account_id, ticket_id, score, at)
    SELECT * FROM unnest(CAST(:ids AS uuid[]), CAST(:accounts AS text[]),
        CAST(:tickets AS text[]), CAST(:scores AS int[]), CAST(:ats AS timestamptz[]))
    ON CONFLICT (event_id) DO NOTHING
    """
)


async def apply_tickets(session: AsyncSession, events: Sequence[TicketEvent]) -> None:
    """The newest event of a ticket sets its state; it is open unless that is ticket.closed."""
    if not events:
        return
    opened: dict[tuple[str, str], datetime] = {}
    for e in events:
        key = (e.account_id, e.payload.ticket_id)
        opened[key] = min(opened.get(key, e.occurred_at), e.occurred_at)
    newest = newest_by(events, lambda e: (e.account_id, e.payload.ticket_id))
    rows = [(key, newest[key]) for key in sorted(newest)]
    await session.execute(
        _MERGE_TICKETS,
        {
            "accounts": [k[0] for k, _ in rows],
            "tickets": [k[1] for k, _ in rows],
            "priorities": [e.payload.priority for _, e in rows],
            "statuses": [e.payload.status for _, e in rows],
            "escalated": [e.payload.escalated for _, e in rows],
            "open": [e.type != "ticket.closed" for _, e in rows],
            "opened_ats": [opened[k] for k, _ in rows],
            "version_ats": [e.occurred_at for _, e in rows],
            "version_ids": [e.event_id for _, e in rows],
        },
    )


async def apply_responses(
    session: AsyncSession,
    nps: Sequence[NpsSubmittedEvent],
    csat: Sequence[CsatSubmittedEvent],
) -> None:
    if nps:
        await session.execute(
            _ADD_NPS,
            {
                "ids": [e.event_id for e in nps],
                "accounts": [e.account_id for e in nps],
                "contacts": [e.payload.contact_id for e in nps],
                "scores": [e.payload.score for e in nps],
                "ats": [e.occurred_at for e in nps],
            },
        )
    if csat:
        await session.execute(
            _ADD_CSAT,
            {
                "ids": [e.event_id for e in csat],
                "accounts": [e.account_id for e in csat],
                "tickets": [e.payload.ticket_id for e in csat],
                "scores": [e.payload.score for e in csat],
                "ats": [e.occurred_at for e in csat],
            },
        )
