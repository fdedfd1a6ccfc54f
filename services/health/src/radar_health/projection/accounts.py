"""CRM facts about an account: its activity, its profile and its contacts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime.versions import newer, newest_by
from radar_schemas.crm import AccountUpsertedEvent, ContactChangedEvent
from radar_schemas.envelope import Envelope

# Creates the rows of new accounts; widens first seen / last engagement of known ones.
# Only rows that change are updated (and locked). (The UPDATE does not see the rows its
# own INSERT added: one statement, one snapshot.)
_TOUCH_ACCOUNTS = text(
    """
    WITH touched AS (
        SELECT account_id, min(at) AS first_seen_at, max(engaged_at) AS last_engagement_at,
               bool_or(ticket) AS tickets_seen
        FROM unnest(CAST(:accounts AS text[]), CAST(:ats AS timestamptz[]),
                    CAST(:engaged AS timestamptz[]), CAST(:tickets AS boolean[]))
             AS e(account_id, at, engaged_at, ticket)
        GROUP BY 1
    ), added AS (
        INSERT INTO accounts (account_id, first_seen_at, last_engagement_at, tickets_seen)
        SELECT * FROM touched ORDER BY 1
        ON CONFLICT (account_id) DO NOTHING
    )
    UPDATE accounts AS a SET
        first_seen_at = LEAST(a.first_seen_at, t.first_seen_at),
        last_engagement_at = GREATEST(a.last_engagement_at, t.last_engagement_at),
        tickets_seen = a.tickets_seen OR t.tickets_seen
    FROM touched AS t
    WHERE a.account_id = t.account_id
      AND (t.first_seen_at < a.first_seen_at
           OR t.last_engagement_at > a.last_engagement_at
           OR (a.last_engagement_at IS NULL AND t.last_engagement_at IS NOT NULL)
           OR (t.tickets_seen AND NOT a.tickets_seen))
    """
)

_SET_PROFILES = text(
    f"""
    UPDATE accounts AS a SET
        name = e.name, segment = e.segment, region = e.region, industry = e.industry,
        owner = e.owner::jsonb, owner_email = e.owner_email, manager = e.manager::jsonb,
        version_at = e.version_at, version_id = e.version_id
    FROM unnest(CAST(:accounts AS text[]), CAST(:names AS text[]), CAST(:segments AS text[]),
                CAST(:regions AS text[]), CAST(:industries AS text[]), CAST(:owners AS text[]),
                CAST(:owner_emails AS text[]), CAST(:managers AS text[]),
                CAST(:version_ats AS timestamptz[]), CAST(:version_ids AS uuid[]))
         AS e(account_id, name, segment, region, industry, owner, owner_email, manager,
              version_at, version_id)
    WHERE a.account_id = e.account_id AND {newer("e", "a")}
    """
)

_SET_CONTACTS = text(
    f"""
    INSERT INTO contacts AS c (account_id, contact_id, role, present, version_at, version_id)
    SELECT * FROM unnest(CAST(:accounts AS text[]), CAST(:contacts AS text[]),
                         CAST(:roles AS text[]), CAST(:present AS boolean[]),
                         CAST(:version_ats AS timestamptz[]), CAST(:version_ids AS uuid[]))
    ORDER BY 1, 2
    ON CONFLICT (account_id, contact_id) DO UPDATE SET
        role = EXCLUDED.role, present = EXCLUDED.present,
        version_at = EXCLUDED.version_at, version_id = EXCLUDED.version_id
    WHERE {newer("EXCLUDED", "c")}
    """
)


def _engaged_at(event: Envelope) -> object:
    return event.occurred_at if event.type == "engagement.logged" else None


def _about_tickets(event: Envelope) -> bool:
    # Only ticket events tell whether a ticket is open; a CSAT alone does not.
    return event.type.startswith("ticket.")


async def touch_accounts(session: AsyncSession, events: Sequence[Envelope]) -> None:
    """The accounts of CRM and support events exist afterwards, their activity widened
    (usage events do the same in their own statement)."""
    if not events:
        return
    await session.execute(
        _TOUCH_ACCOUNTS,
        {
            "accounts": [e.account_id for e in events],
            "ats": [e.occurred_at for e in events],
            "engaged": [_engaged_at(e) for e in events],
            "tickets": [_about_tickets(e) for e in events],
        },
    )


async def apply_profiles(session: AsyncSession, events: Sequence[AccountUpsertedEvent]) -> None:
    if not events:
        return
    newest = sorted(newest_by(events, lambda e: e.account_id).values(), key=lambda e: e.account_id)
    await session.execute(
        _SET_PROFILES,
        {
            "accounts": [e.account_id for e in newest],
            "names": [e.payload.name for e in newest],
            "segments": [e.payload.segment for e in newest],
            "regions": [e.payload.region for e in newest],
            "industries": [e.payload.industry for e in newest],
            "owners": [e.payload.owner.model_dump_json() for e in newest],
            "owner_emails": [e.payload.owner.email.lower() for e in newest],
            "managers": [
                e.payload.manager.model_dump_json() if e.payload.manager else None for e in newest
            ],
            "version_ats": [e.occurred_at for e in newest],
            "version_ids": [e.event_id for e in newest],
        },
    )


async def apply_contacts(session: AsyncSession, events: Sequence[ContactChangedEvent]) -> None:
    if not events:
        return
    newest = newest_by(events, lambda e: (e.account_id, e.payload.contact_id)).values()
    await session.execute(
        _SET_CONTACTS,
        {
            "accounts": [e.account_id for e in newest],
            "contacts": [e.payload.contact_id for e in newest],
            "roles": [e.payload.role for e in newest],
            "present": [e.payload.change == "joined" for e in newest],
            "version_ats": [e.occurred_at for e in newest],
            "version_ids": [e.event_id for e in newest],
        },
    )
