"""The event-time history: each account's logged CRM and support events, its usage by day,
the replay queue, and the score history a replay continues.

The log and the queue are written by the consumer in the batch's own transaction; the
usage worker claims settled accounts from the queue (deleting their rows in its own
transaction, so events committed meanwhile queue the account again) and replays them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import Text, column, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.history import FactLog, LoggedEvent
from radar_runtime.sql import among
from radar_schemas.envelope import Envelope

from .arrays import arrays, unnested
from .facts import FactsReader
from .tables import (
    account_events,
    account_health,
    accounts,
    history_queue,
    score_history,
    usage_daily,
    usage_users_daily,
)

_logged = unnested(
    "e", *account_events.c["account_id", "occurred_at", "event_id", "type"], column("payload", Text)
)
_LOG_EVENTS = (
    insert(account_events)
    .from_select(
        list(_logged.c.keys()),
        select(
            *_logged.c["account_id", "occurred_at", "event_id", "type"],
            _logged.c.payload.cast(JSONB),
        ),
    )
    .on_conflict_do_nothing()
)

_queued = unnested("q", *history_queue.c)
_insert_queued = insert(history_queue).from_select(
    list(_queued.c.keys()), select(_queued).order_by(_queued.c.account_id)
)
# The row is locked even when it is left as it is: a replay claiming it meanwhile (its
# delete not yet committed) is waited for, and the account is queued again after it.
_QUEUE = _insert_queued.on_conflict_do_update(
    index_elements=[history_queue.c.account_id],
    set_={"from_day": _insert_queued.excluded.from_day},
    where=_insert_queued.excluded.from_day < history_queue.c.from_day,
)


async def log_events(session: AsyncSession, events: Sequence[Envelope]) -> None:
    """Keep each CRM and support event once, as it came."""
    if events:
        await session.execute(
            _LOG_EVENTS,
            arrays(
                account_id=[e.account_id for e in events],
                occurred_at=[e.occurred_at for e in events],
                event_id=[e.event_id for e in events],
                type=[e.type for e in events],
                payload=[e.payload.model_dump_json() for e in events],
            ),
        )


async def queue_history(session: AsyncSession, from_days: Mapping[str, date]) -> None:
    """Replay these accounts' history from these days on (or from an earlier queued day)."""
    if from_days:
        ids = sorted(from_days)
        await session.execute(_QUEUE, arrays(account_id=ids, from_day=[from_days[i] for i in ids]))


async def claim_settled(
    session: AsyncSession, now: datetime, settle: timedelta, limit: int
) -> dict[str, date]:
    """Up to `limit` queued accounts whose late events settled, with the day to replay
    from, deleted in the caller's transaction (rows another replica holds are skipped)."""
    a = accounts.c
    claimed = (
        select(history_queue.c.account_id)
        .join(accounts, a.account_id == history_queue.c.account_id)
        .where(or_(a.late_at.is_(None), a.late_at <= now - settle))
        .order_by(history_queue.c.account_id)
        .limit(limit)
        .with_for_update(of=history_queue, skip_locked=True)
    )
    statement = (
        delete(history_queue)
        .where(history_queue.c.account_id.in_(claimed.scalar_subquery()))
        .returning(history_queue.c.account_id, history_queue.c.from_day)
    )
    return {account_id: day for account_id, day in await session.execute(statement)}


async def count_queued(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(history_queue)) or 0)


class LogReader:
    """Reads the fact logs of a chunk of accounts, one query per kind."""

    def __init__(self, facts: FactsReader) -> None:
        self._facts = facts

    async def read(
        self, session: AsyncSession, ids: Sequence[str], usage_from: date, users_from: date
    ) -> dict[str, FactLog]:
        """`usage_from`/`users_from`: the first days of usage and users the replay reads."""
        a = accounts.c
        known = select(a.account_id, a.first_seen_at, a.name, a.region, a.owner, a.manager).where(
            among(a.account_id, ids)
        )
        base = {row.account_id: row for row in await session.execute(known)}
        events: dict[str, list[LoggedEvent]] = defaultdict(list)
        e = account_events.c
        logged = (
            select(e.account_id, e.type, e.occurred_at, e.event_id, e.payload)
            .where(among(e.account_id, ids))
            .order_by(e.account_id, e.occurred_at, e.event_id)
        )
        for row in await session.execute(logged):
            events[row.account_id].append(
                LoggedEvent(row.type, row.occurred_at, row.event_id, row.payload)
            )
        u = usage_daily.c
        usage: dict[str, dict[date, float]] = defaultdict(dict)
        daily = (
            select(u.account_id, u.day, func.sum(u.total))
            .where(among(u.account_id, ids), u.day >= usage_from, self._facts.active_metric())
            .group_by(u.account_id, u.day)
        )
        for account_id, day, total in await session.execute(daily):
            usage[account_id][day] = float(total)
        d = usage_users_daily.c
        users: dict[str, dict[date, list[str]]] = defaultdict(dict)
        seen = select(d.account_id, d.day, d.users).where(
            among(d.account_id, ids), d.day >= users_from
        )
        for account_id, day, names in await session.execute(seen):
            users[account_id][day] = names
        return {
            i: FactLog(
                account_id=i,
                first_seen_at=row.first_seen_at,
                events=events.get(i, []),
                active_usage=usage.get(i, {}),
                users=users.get(i, {}),
                name=row.name,
                region=row.region,
                owner=row.owner,
                manager=row.manager,
            )
            for i, row in base.items()
        }


class StoredPoint(NamedTuple):
    at: datetime
    score: float
    band: str
    effective_score: float | None
    effective_band: str | None


async def read_points(session: AsyncSession, ids: Sequence[str]) -> dict[str, list[StoredPoint]]:
    """Each account's score history, oldest first (at most the retention's days of it)."""
    h = score_history.c
    statement = (
        select(h.account_id, h.at, h.score, h.band, h.effective_score, h.effective_band)
        .where(among(h.account_id, ids))
        .order_by(h.account_id, h.at)
    )
    points: dict[str, list[StoredPoint]] = defaultdict(list)
    for account_id, *point in await session.execute(statement):
        points[account_id].append(StoredPoint(*point))
    return points


_judged = unnested("j", account_health.c.account_id, account_health.c.judged_at)
_SET_JUDGED = (
    update(account_health)
    .values(judged_at=_judged.c.judged_at)
    .where(
        account_health.c.account_id == _judged.c.account_id,
        or_(account_health.c.judged_at.is_(None), account_health.c.judged_at < _judged.c.judged_at),
    )
)


async def set_judged(session: AsyncSession, judged: Mapping[str, datetime]) -> None:
    if judged:
        await session.execute(
            _SET_JUDGED, arrays(account_id=list(judged), judged_at=list(judged.values()))
        )
