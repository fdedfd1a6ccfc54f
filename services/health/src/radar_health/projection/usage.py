"""usage.recorded → daily totals per account/metric and the last day each user was seen.

Events are aggregated by the database in the statement itself (GROUP BY, exact numeric
sums), so a batch of thousands of events costs two statements, whatever its shape.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_schemas.usage import UsageRecordedEvent

_ADD_DAILY_TOTALS = text(
    """
    INSERT INTO usage_daily AS u (account_id, metric, day, total)
    SELECT account_id, metric, (at AT TIME ZONE 'UTC')::date, sum(quantity::numeric)
    FROM unnest(CAST(:accounts AS text[]), CAST(:metrics AS text[]),
                CAST(:ats AS timestamptz[]), CAST(:quantities AS float8[]))
         AS e(account_id, metric, at, quantity)
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
    ON CONFLICT (account_id, metric, day) DO UPDATE SET total = u.total + EXCLUDED.total
    """
)

# New users are inserted; known ones are updated only when seen on a later day, so the
# usual case (seen again the same day) writes and locks nothing. (The UPDATE does not see
# the rows its own INSERT added: one statement, one snapshot.)
_SEE_USERS = text(
    """
    WITH seen AS (
        SELECT account_id, user_id, max((at AT TIME ZONE 'UTC')::date) AS last_seen
        FROM unnest(CAST(:accounts AS text[]), CAST(:users AS text[]),
                    CAST(:ats AS timestamptz[])) AS e(account_id, user_id, at)
        GROUP BY 1, 2
    ), added AS (
        INSERT INTO account_users (account_id, user_id, last_seen)
        SELECT * FROM seen ORDER BY 1, 2
        ON CONFLICT (account_id, user_id) DO NOTHING
    )
    UPDATE account_users AS u SET last_seen = seen.last_seen
    FROM seen
    WHERE u.account_id = seen.account_id AND u.user_id = seen.user_id
      AND seen.last_seen > u.last_seen
    """
)


async def apply_usage(session: AsyncSession, events: Sequence[UsageRecordedEvent]) -> None:
    if not events:
        return
    await session.execute(
        _ADD_DAILY_TOTALS,
        {
            "accounts": [e.account_id for e in events],
            "metrics": [e.payload.metric for e in events],
            "ats": [e.occurred_at for e in events],
            "quantities": [e.payload.quantity for e in events],
        },
    )
    with_user = [e for e in events if e.payload.user_id is not None]
    if with_user:
        await session.execute(
            _SEE_USERS,
            {
                "accounts": [e.account_id for e in with_user],
                "users": [e.payload.user_id for e in with_user],
                "ats": [e.occurred_at for e in with_user],
            },
        )
