"""Usage: daily totals per account/metric, the users seen per day and the last day each
was seen, the accounts whose history it changes, and when late usage last arrived."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_schemas.usage import UsageRecordedEvent

from .accounts import late_marks
from .tables import usage_daily, usage_users_daily

# The hot path: tens of thousands of events a second, one statement per batch whatever its
# size. The database aggregates the events itself (GROUP BY, exact numeric sums). Known
# users and accounts are updated only when a value widens, so the usual case (a user seen
# again the same day) locks and writes nothing. Every part reads the same snapshot: an
# UPDATE never sees the rows its sibling INSERT added, so each row is written once.
APPLY_USAGE = text(
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
    ), day_users AS (
        SELECT account_id, (at AT TIME ZONE 'UTC')::date AS day,
               array_agg(DISTINCT user_id ORDER BY user_id) AS users
        FROM e WHERE user_id IS NOT NULL GROUP BY 1, 2
    ), users_daily AS (
        INSERT INTO usage_users_daily AS d (account_id, day, users)
        SELECT * FROM day_users ORDER BY 1, 2
        ON CONFLICT (account_id, day) DO UPDATE
        SET users = ARRAY(SELECT DISTINCT u FROM unnest(d.users || EXCLUDED.users) AS u ORDER BY 1)
        WHERE NOT EXCLUDED.users <@ d.users
    ), history AS (
        INSERT INTO history_queue AS h (account_id, from_day)
        SELECT account_id, min((at AT TIME ZONE 'UTC')::date) FROM e
        WHERE (at AT TIME ZONE 'UTC')::date < CAST(:late_before AS date)
        GROUP BY 1 ORDER BY 1
        ON CONFLICT (account_id) DO UPDATE SET from_day = EXCLUDED.from_day
        WHERE EXCLUDED.from_day < h.from_day
    ), touched AS (
        SELECT account_id, min(at) AS first_seen_at,
               bool_or((at AT TIME ZONE 'UTC')::date < CAST(:late_before AS date)) AS late
        FROM e GROUP BY 1
    ), new_accounts AS (
        INSERT INTO accounts (account_id, first_seen_at, late_at)
        SELECT account_id, first_seen_at, CASE WHEN late THEN CAST(:now AS timestamptz) END
        FROM touched ORDER BY 1
        ON CONFLICT (account_id) DO NOTHING
    )
    UPDATE accounts AS a SET
        first_seen_at = LEAST(a.first_seen_at, t.first_seen_at),
        late_at = CASE WHEN t.late THEN CAST(:now AS timestamptz) ELSE a.late_at END
    FROM touched AS t
    WHERE a.account_id = t.account_id
      AND (t.first_seen_at < a.first_seen_at
           OR (t.late AND (a.late_at IS NULL OR a.late_at < :mark_before)))
    """
)


async def apply_usage(
    session: AsyncSession, events: Sequence[UsageRecordedEvent], now: datetime
) -> None:
    """`now`: the batch's processing time, which tells late usage (see `late_usage_at`)."""
    if not events:
        return
    await session.execute(
        APPLY_USAGE,
        {
            **late_marks(now),
            "accounts": [e.account_id for e in events],
            "metrics": [e.payload.metric for e in events],
            "ats": [e.occurred_at for e in events],
            "quantities": [e.payload.quantity for e in events],
            "users": [e.payload.user_id for e in events],
        },
    )


async def trim_usage(session: AsyncSession, before: date) -> None:
    await session.execute(delete(usage_daily).where(usage_daily.c.day < before))
    await session.execute(delete(usage_users_daily).where(usage_users_daily.c.day < before))
