"""usage.recorded → daily totals per account/metric, the last day each user was seen, the
account's first-seen instant, and the queue of accounts whose usage changed.

One statement per batch, whatever its size: the database aggregates the events itself
(GROUP BY, exact numeric sums). Known users and accounts are updated only when a value
widens, so the usual case (a user seen again the same day) locks and writes nothing.
Every part of the statement reads the same snapshot: an UPDATE never sees the rows its
sibling INSERT added, so each row is written once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_schemas.usage import UsageRecordedEvent

_APPLY_USAGE = text(
    """
    WITH e AS (
        SELECT * FROM unnest(CAST(:accounts AS text[]), CAST(:metrics AS text[]),
                             CAST(:ats AS timestamptz[]), CAST(:quantities AS float8[]),
                             CAST(:users AS text[]))
            AS e(account_id, metric, at, quantity, user_id)
    ), daily AS (
        INSERT INTO usage_daily AS u (account_id, metric, day, total)
        SELECT account_id, metric, (at AT TIME ZONE 'UTC')::date, sum(quantity::numeric)
        FROM e GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (account_id, metric, day) DO UPDATE SET total = u.total + EXCLUDED.total
    ), seen AS (
        SELECT account_id, user_id, max((at AT TIME ZONE 'UTC')::date) AS last_seen
        FROM e WHERE user_id IS NOT NULL GROUP BY 1, 2
    ), new_users AS (
        INSERT INTO account_users (account_id, user_id, last_seen)
        SELECT * FROM seen ORDER BY 1, 2
        ON CONFLICT (account_id, user_id) DO NOTHING
    ), later_users AS (
        UPDATE account_users AS u SET last_seen = seen.last_seen
        FROM seen
        WHERE u.account_id = seen.account_id AND u.user_id = seen.user_id
          AND seen.last_seen > u.last_seen
    ), touched AS (
        SELECT account_id, min(at) AS first_seen_at FROM e GROUP BY 1
    ), new_accounts AS (
        INSERT INTO accounts (account_id, first_seen_at)
        SELECT * FROM touched ORDER BY 1
        ON CONFLICT (account_id) DO NOTHING
    ), earlier_accounts AS (
        UPDATE accounts AS a SET first_seen_at = t.first_seen_at
        FROM touched AS t
        WHERE a.account_id = t.account_id AND t.first_seen_at < a.first_seen_at
    )
    INSERT INTO recompute_queue (account_id)
    SELECT unnest(CAST(:queued AS text[])) ORDER BY 1
    ON CONFLICT (account_id) DO NOTHING
    """
)


async def apply_usage(
    session: AsyncSession, events: Sequence[UsageRecordedEvent], queued: Iterable[str]
) -> None:
    """Project usage events; `queued`: accounts to recompute later (by the usage worker)."""
    if not events:
        return
    await session.execute(
        _APPLY_USAGE,
        {
            "accounts": [e.account_id for e in events],
            "metrics": [e.payload.metric for e in events],
            "ats": [e.occurred_at for e in events],
            "quantities": [e.payload.quantity for e in events],
            "users": [e.payload.user_id for e in events],
            "queued": sorted(queued),
        },
    )
