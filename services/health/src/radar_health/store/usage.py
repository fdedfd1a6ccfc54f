"""Usage: daily totals per account/metric, the last day each user was seen, and when late
usage last arrived for an account (see `apply_usage`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import delete, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.instants import utc_day
from radar_schemas.usage import UsageRecordedEvent

from .tables import account_health, accounts, usage_daily

# Usage for a day before yesterday is late: a backfill, a replay or a consumer catching up.
# Yesterday is not: it may still fill after midnight (nightly exports, events straddling
# it), and one day short moves a week's window little. Late usage holds usage.sharp_drop.
# The mark moves at most this often per account, not with every batch of a backfill.
MARK_EVERY = timedelta(seconds=10)

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
    ), touched AS (
        SELECT account_id, min(at) AS first_seen_at,
               bool_or((at AT TIME ZONE 'UTC')::date < CAST(:late_before AS date)) AS late
        FROM e GROUP BY 1
    ), new_accounts AS (
        INSERT INTO accounts (account_id, first_seen_at, late_usage_at)
        SELECT account_id, first_seen_at, CASE WHEN late THEN CAST(:now AS timestamptz) END
        FROM touched ORDER BY 1
        ON CONFLICT (account_id) DO NOTHING
    )
    UPDATE accounts AS a SET
        first_seen_at = LEAST(a.first_seen_at, t.first_seen_at),
        late_usage_at = CASE WHEN t.late THEN CAST(:now AS timestamptz) ELSE a.late_usage_at END
    FROM touched AS t
    WHERE a.account_id = t.account_id
      AND (t.first_seen_at < a.first_seen_at
           OR (t.late AND (a.late_usage_at IS NULL OR a.late_usage_at < :mark_before)))
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
            "now": now,
            "late_before": utc_day(now) - timedelta(days=1),
            "mark_before": now - MARK_EVERY,
            "accounts": [e.account_id for e in events],
            "metrics": [e.payload.metric for e in events],
            "ats": [e.occurred_at for e in events],
            "quantities": [e.payload.quantity for e in events],
            "users": [e.payload.user_id for e in events],
        },
    )


async def settled_usage(
    session: AsyncSession, now: datetime, settle: timedelta, after: str, limit: int
) -> list[str]:
    """Accounts whose late usage settled (arrived more than `settle` ago) since their last
    recompute, after `after` in account order. Only the last day's marks are looked at
    (an index range); the daily recompute catches any older one."""
    settled = now - settle
    statement = (
        select(accounts.c.account_id)
        .outerjoin(account_health, account_health.c.account_id == accounts.c.account_id)
        .where(
            accounts.c.late_usage_at > settled - timedelta(days=1),
            accounts.c.late_usage_at <= settled,
            or_(
                account_health.c.as_of.is_(None),
                account_health.c.as_of < accounts.c.late_usage_at + settle,
            ),
            accounts.c.account_id > after,
        )
        .order_by(accounts.c.account_id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def trim_usage(session: AsyncSession, before: date) -> None:
    await session.execute(delete(usage_daily).where(usage_daily.c.day < before))
