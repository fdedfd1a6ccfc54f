"""Accounts: who they are (the newest account.upserted), their contacts, and their activity
(first seen, last engagement, whether tickets were ever seen)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Text, column, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.instants import utc_day
from radar_runtime.versions import newer
from radar_schemas.crm import AccountUpsertedEvent, ContactChangedEvent, ContactIdentifiedEvent

from .arrays import arrays, unnested
from .tables import accounts, contact_names, contacts

NamingEvent = ContactChangedEvent | ContactIdentifiedEvent

# An event for a day before today is late: a backfill, a replay, a consumer catching up,
# or yesterday's stragglers. Its day's close may be in the score history already, and
# the account's history may still be arriving: the rules hold their verdicts until it
# settles, then the history is replayed by event time. The mark moves at most this often
# per account, not with every batch of a backfill.
MARK_EVERY = timedelta(seconds=10)


def late_marks(now: datetime) -> dict[str, Any]:
    """The parameters by which the statements below mark late events (`late_at`)."""
    return {"now": now, "late_before": utc_day(now), "mark_before": now - MARK_EVERY}


# Creates the rows of new accounts; widens first seen / tickets seen of known ones and marks
# late events. Only rows that change are updated, and so locked: an INSERT ... ON CONFLICT
# DO UPDATE would lock (and write) every known row, even with a WHERE that leaves it as it
# is. The UPDATE does not see the rows its own INSERT added: one statement, one snapshot.
TOUCH_ACCOUNTS = text(
    """
    WITH touched AS (
        SELECT account_id, min(at) AS first_seen_at, bool_or(ticket) AS tickets_seen,
               bool_or((at AT TIME ZONE 'UTC')::date < CAST(:late_before AS date)) AS late
        FROM unnest(CAST(:accounts AS text[]), CAST(:ats AS timestamptz[]),
                    CAST(:tickets AS boolean[])) AS e(account_id, at, ticket)
        GROUP BY 1
    ), added AS (
        INSERT INTO accounts (account_id, first_seen_at, tickets_seen, late_at)
        SELECT account_id, first_seen_at, tickets_seen,
               CASE WHEN late THEN CAST(:now AS timestamptz) END
        FROM touched ORDER BY 1
        ON CONFLICT (account_id) DO NOTHING
    )
    UPDATE accounts AS a SET
        first_seen_at = LEAST(a.first_seen_at, t.first_seen_at),
        tickets_seen = a.tickets_seen OR t.tickets_seen,
        late_at = CASE WHEN t.late THEN CAST(:now AS timestamptz) ELSE a.late_at END
    FROM touched AS t
    WHERE a.account_id = t.account_id
      AND (t.first_seen_at < a.first_seen_at OR (t.tickets_seen AND NOT a.tickets_seen)
           OR (t.late AND (a.late_at IS NULL OR a.late_at < :mark_before)))
    """
)

_engaged = unnested("e", accounts.c.account_id, accounts.c.last_engagement_at)
_WIDEN_ENGAGEMENT = (
    update(accounts)
    .values(last_engagement_at=_engaged.c.last_engagement_at)
    .where(
        accounts.c.account_id == _engaged.c.account_id,
        or_(
            accounts.c.last_engagement_at.is_(None),
            _engaged.c.last_engagement_at > accounts.c.last_engagement_at,
        ),
    )
)

_PROFILE = ("name", "segment", "region", "industry", "owner_email", "version_at", "version_id")
_profiles = unnested(
    "e",
    accounts.c.account_id,
    *(accounts.c[name] for name in _PROFILE),
    column("owner", Text),
    column("manager", Text),
)
_SET_PROFILES = (
    update(accounts)
    .values(
        {
            **{name: _profiles.c[name] for name in _PROFILE},
            "owner": _profiles.c.owner.cast(accounts.c.owner.type),
            "manager": _profiles.c.manager.cast(accounts.c.manager.type),
        }
    )
    .where(accounts.c.account_id == _profiles.c.account_id, text(newer("e", "accounts")))
)

_CONTACT = ("role", "present", "version_at", "version_id")
_contacts = unnested(
    "e", contacts.c.account_id, contacts.c.contact_id, *(contacts.c[c] for c in _CONTACT)
)
_insert_contacts = insert(contacts).from_select(
    list(_contacts.c.keys()), select(_contacts).order_by(*_contacts.c["account_id", "contact_id"])
)
_SET_CONTACTS = _insert_contacts.on_conflict_do_update(
    index_elements=[contacts.c.account_id, contacts.c.contact_id],
    set_={name: _insert_contacts.excluded[name] for name in _CONTACT},
    where=text(newer("excluded", "contacts")),
)

_NAMED = ("name", "email", "version_at", "version_id")
_names = unnested(
    "e",
    contact_names.c.account_id,
    contact_names.c.contact_id,
    *(contact_names.c[c] for c in _NAMED),
)
_insert_names = insert(contact_names).from_select(
    list(_names.c.keys()), select(_names).order_by(*_names.c["account_id", "contact_id"])
)
_SET_NAMES = _insert_names.on_conflict_do_update(
    index_elements=[contact_names.c.account_id, contact_names.c.contact_id],
    set_={name: _insert_names.excluded[name] for name in _NAMED},
    where=text(newer("excluded", "contact_names")),
)


async def touch_accounts(
    session: AsyncSession,
    account_ids: Sequence[str],
    ats: Sequence[datetime],
    tickets: Sequence[bool],
    now: datetime,
) -> None:
    """One row per event: its account, when it occurred, whether it is about a ticket;
    `now`: the batch's processing time, which tells late events."""
    if account_ids:
        await session.execute(
            TOUCH_ACCOUNTS,
            {"accounts": account_ids, "ats": ats, "tickets": tickets, **late_marks(now)},
        )


async def widen_engagement(session: AsyncSession, latest: Mapping[str, datetime]) -> None:
    """`latest`: the newest engagement of each account in the batch."""
    if latest:
        await session.execute(
            _WIDEN_ENGAGEMENT,
            arrays(account_id=latest, last_engagement_at=latest.values()),
        )


async def set_profiles(session: AsyncSession, newest: Sequence[AccountUpsertedEvent]) -> None:
    """`newest`: the newest account.upserted of each account in the batch."""
    if not newest:
        return
    payloads = [e.payload for e in newest]
    await session.execute(
        _SET_PROFILES,
        arrays(
            account_id=[e.account_id for e in newest],
            name=[p.name for p in payloads],
            segment=[p.segment for p in payloads],
            region=[p.region for p in payloads],
            industry=[p.industry for p in payloads],
            owner=[p.owner.model_dump_json() for p in payloads],
            owner_email=[p.owner.email.lower() for p in payloads],
            manager=[p.manager.model_dump_json() if p.manager else None for p in payloads],
            version_at=[e.occurred_at for e in newest],
            version_id=[e.event_id for e in newest],
        ),
    )


async def set_contacts(session: AsyncSession, newest: Sequence[ContactChangedEvent]) -> None:
    """`newest`: the newest contact.changed of each (account, contact) in the batch."""
    if not newest:
        return
    await session.execute(
        _SET_CONTACTS,
        arrays(
            account_id=[e.account_id for e in newest],
            contact_id=[e.payload.contact_id for e in newest],
            role=[e.payload.role for e in newest],
            present=[e.payload.change == "joined" for e in newest],
            version_at=[e.occurred_at for e in newest],
            version_id=[e.event_id for e in newest],
        ),
    )


async def set_names(session: AsyncSession, newest: Sequence[NamingEvent]) -> None:
    """`newest`: of each (account, contact) of the batch, the newest event naming them."""
    if not newest:
        return
    await session.execute(
        _SET_NAMES,
        arrays(
            account_id=[e.account_id for e in newest],
            contact_id=[e.payload.contact_id for e in newest],
            name=[e.payload.name for e in newest],
            email=[e.payload.email for e in newest],
            version_at=[e.occurred_at for e in newest],
            version_id=[e.event_id for e in newest],
        ),
    )


async def account_segment(session: AsyncSession, account_id: str) -> Row[Any] | None:
    """The account's row with its segment; None for an account never seen."""
    statement = select(accounts.c.segment).where(accounts.c.account_id == account_id)
    return (await session.execute(statement)).first()


async def account_ids_after(session: AsyncSession, after: str, limit: int) -> list[str]:
    """The next `limit` account ids after `after`, in order (keyset pagination)."""
    statement = (
        select(accounts.c.account_id)
        .where(accounts.c.account_id > after)
        .order_by(accounts.c.account_id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
