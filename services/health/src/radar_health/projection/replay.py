"""The score history by event time: a point at the close of every day.

Events for a day whose close has passed (a backfill, a replay, a consumer catching up,
yesterday's stragglers) queue their account from that day. Once its late events have
settled, the usage worker replays it: for every day from there to yesterday, the events
before the day's close (midnight UTC) are scored, the rules judged at that instant, and
`health.scored` and the alerts emitted with that instant as their time. Then the account
is recomputed live. Each point depends only on the events before its close, so any
order and split of the same events gives the same history.

The rules never judge an instant again once a later one was judged (`judged_at`): alert
times only move forward, and an alert once sent is not taken back by history that
arrives after it. A first load of history is judged day by day, so a condition that
began and ended within it is raised and resolved with the instants it held, in one
transaction: nobody is paged about it.
"""

from __future__ import annotations

import asyncio
import logging
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from radar_health import metrics
from radar_health.domain.assess import StoredAlert, StoredHealth
from radar_health.domain.history import FactLog, Fold
from radar_health.domain.instants import utc_day
from radar_health.store.health import (
    HistoryPoint,
    close_alerts,
    lock_health,
    open_new_alerts,
    read_open_alerts,
    replace_alert_payloads,
    write_history,
)
from radar_health.store.history import LogReader, StoredPoint, read_points, set_judged
from radar_runtime import UnitOfWork
from radar_schemas.common import Band

from .recompute import Recomputer, RecomputeResult

log = logging.getLogger(__name__)


def close_of(day: date) -> datetime:
    """The instant a day's point is taken: its end, midnight UTC."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


@dataclass
class _Series:
    """An account's computed scores by instant, as the trend reads them."""

    ats: list[datetime] = field(default_factory=list)
    scores: list[float] = field(default_factory=list)

    def put(self, at: datetime, score: float) -> None:
        index = bisect_right(self.ats, at)
        if index and self.ats[index - 1] == at:
            self.scores[index - 1] = score
        else:
            self.ats.insert(index, at)
            self.scores.insert(index, score)

    def latest(self, at: datetime) -> tuple[datetime, float] | None:
        index = bisect_right(self.ats, at)
        return (self.ats[index - 1], self.scores[index - 1]) if index else None


@dataclass
class _Replayed:
    points: list[HistoryPoint] = field(default_factory=list)
    judged_at: datetime | None = None


class HistoryReplayer:
    def __init__(self, recomputer: Recomputer, *, retention_days: int) -> None:
        self._recomputer = recomputer
        self._rules = recomputer.rules
        self._facts = recomputer.facts
        self._logs = LogReader(recomputer.facts)
        self._retention = timedelta(days=retention_days)

    async def replay(self, uow: UnitOfWork, claims: Mapping[str, date]) -> RecomputeResult:
        """Replay the accounts from their claimed days to yesterday, then recompute them
        live, in the caller's unit of work."""
        result = RecomputeResult()
        ids = sorted(claims)
        if not ids:
            return result
        today = utc_day(uow.now)
        first_kept = today - self._retention
        from_days = {i: max(day, first_kept) for i, day in claims.items()}
        start = min(from_days.values())
        session = uow.session
        stored = await lock_health(session, ids)
        logs = await self._logs.read(
            session,
            ids,
            usage_from=start - timedelta(days=self._facts.usage_days + 1),
            users_from=start - timedelta(days=max(self._facts.user_window_days().values())),
        )
        points = await read_points(session, ids)
        alerts = await read_open_alerts(session, ids)
        written: list[HistoryPoint] = []
        judged: dict[str, datetime] = {}
        closing: list[str] = []
        opening: list[StoredAlert] = []
        shown: list[StoredAlert] = []
        for account_id in ids:
            # A year of days per account is long work: let the consumer's heartbeat and
            # the API answer between accounts.
            await asyncio.sleep(0)
            if account_id not in logs or account_id not in stored:
                continue
            before = dict(alerts.get(account_id, {}))
            after = dict(before)
            try:
                replayed = self._replay_account(
                    uow,
                    logs[account_id],
                    stored[account_id],
                    points.get(account_id, []),
                    after,
                    from_days[account_id],
                    today,
                    result,
                )
            except Exception:
                # As in a live recompute: one account's bad data must not hold up the others.
                log.exception("history replay failed", extra={"account_id": account_id})
                result.failed += 1
                metrics.RECOMPUTE_FAILURES.inc()
                continue
            written += replayed.points
            if replayed.judged_at is not None:
                judged[account_id] = replayed.judged_at
            changed = _changed_alerts(before, after)
            closing += changed[0]
            opening += changed[1]
            shown += changed[2]
        await write_history(session, written)
        await set_judged(session, judged)
        await close_alerts(session, closing)
        await open_new_alerts(session, opening)
        await replace_alert_payloads(session, shown)
        metrics.HISTORY_POINTS_REPLAYED.inc(len(written))
        # Announced even if unchanged: the last score sent live was provisional.
        result.add(await self._recomputer.recompute(uow, ids, announce=True))
        return result

    def _replay_account(
        self,
        uow: UnitOfWork,
        log_: FactLog,
        stored: StoredHealth,
        stored_points: list[StoredPoint],
        alerts: dict[str, StoredAlert],
        from_day: date,
        today: date,
        result: RecomputeResult,
    ) -> _Replayed:
        """Emits each day's events and updates `alerts` (the account's open alerts) as
        the days pass; returns the points to write."""
        replayed = _Replayed()
        series = _Series()
        previous: StoredPoint | None = None
        first_close = close_of(max(from_day, utc_day(log_.first_seen_at)))
        for stored_point in stored_points:
            series.put(stored_point.at, stored_point.score)
            if stored_point.at < first_close:
                previous = stored_point
        fold = Fold(log_, self._facts.user_window_days(), self._facts.usage_days)
        lookbacks = self._rules.alerts.trend_lookback_days
        override = stored.override
        day = utc_day(first_close) - timedelta(days=1)
        while day < today:
            as_of = close_of(day)
            day += timedelta(days=1)
            shown = StoredHealth(
                account_id=stored.account_id,
                as_of=previous.at if previous else None,
                score=previous.score if previous else None,
                band=Band(previous.band) if previous else None,
                emitted_score=previous.effective_score if previous else None,
                emitted_band=(
                    Band(previous.effective_band) if previous and previous.effective_band else None
                ),
                override=(
                    override
                    if override is not None
                    and (override.created_at is None or override.created_at <= as_of)
                    else None
                ),
            )
            past = [p for n in lookbacks if (p := series.latest(as_of - timedelta(days=n)))]
            judge = stored.judged_at is None or as_of > stored.judged_at
            outcome = self._recomputer.outcome(
                fold.facts_at(as_of),
                shown,
                past,
                alerts,
                as_of,
                computed_at=uow.now,
                judge=judge,
                announce=True,
            )
            for event in outcome.events:
                uow.emit(event)
            for resolution in outcome.resolutions:
                alerts.pop(resolution.alert.dedup_key, None)
            for alert in outcome.opened + outcome.rerendered:
                alerts[alert.alert.dedup_key] = alert
            result.raised += [(a.alert.rule, a.alert.severity.value) for a in outcome.opened]
            result.resolved += [r.alert.rule for r in outcome.resolutions]
            result.scored_events += 1 if outcome.row.emitted else 0
            if outcome.row.judged:
                replayed.judged_at = as_of
            point = outcome.point
            if point is not None:
                replayed.points.append(point)
                series.put(as_of, point.score)
                previous = StoredPoint(
                    as_of, point.score, point.band, point.effective_score, point.effective_band
                )
        return replayed


def _changed_alerts(
    before: Mapping[str, StoredAlert], after: Mapping[str, StoredAlert]
) -> tuple[list[str], list[StoredAlert], list[StoredAlert]]:
    """What to write for the open alerts the replay left: (keys to close, alerts to open,
    alerts shown again); an alert raised and resolved within the replay is neither."""
    closing = [
        key
        for key, alert in before.items()
        if key not in after or after[key].alert.alert_id != alert.alert.alert_id
    ]
    opening = [
        alert
        for key, alert in after.items()
        if key not in before or before[key].alert.alert_id != alert.alert.alert_id
    ]
    shown = [
        alert
        for key, alert in after.items()
        if key in before
        and before[key].alert.alert_id == alert.alert.alert_id
        and before[key].payload_json != alert.payload_json
    ]
    return closing, opening, shown
