"""What changed in an account's health between two instants of its event-time history:
both scores computed again from the events before each instant (the scorecard in force
now), and every measure that moved, from what to what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from radar_runtime import SessionDep
from radar_runtime.errors import ApiError

from ..domain.changes import measure_moves
from ..domain.history import Fold
from ..domain.instants import utc_day
from ..domain.scoring import HealthScore, compute_health
from ..store.history import LogReader
from .deps import Health
from .health import NOT_FOUND, AccountId, unknown
from .models import ChangesOut, ComponentOut, MeasureMoveOut, MissingOut, ScoredAtOut

router = APIRouter(prefix="/v1", tags=["health"])

DEFAULT_DAYS = 30


def invalid(field: str, reason: str) -> ApiError:
    return ApiError(
        422, "invalid_request", f"{field}: {reason}", details=[{"field": field, "reason": reason}]
    )


@router.get("/accounts/{account_id}/health/changes", response_model=ChangesOut, responses=NOT_FOUND)
async def get_changes(
    account_id: AccountId,
    health: Health,
    session: SessionDep,
    from_: Annotated[
        datetime | None,
        Query(alias="from", description="An instant with a timezone; default `to` - 30 days"),
    ] = None,
    to: Annotated[
        datetime | None, Query(description="An instant with a timezone; default now")
    ] = None,
) -> Any:
    """The score and band at `from` and at `to`, each computed from the events before
    that instant, and the measures that moved between them (value and sub-score, from
    and to; a measure that gained or lost its data, with why), largest move first.
    Instants before the history kept or in the future read as its ends; the earlier of
    the two is `from`."""
    for field, instant in (("query.from", from_), ("query.to", to)):
        if instant is not None and instant.tzinfo is None:
            raise invalid(field, "give a timezone (e.g. 2026-01-31T00:00:00Z)")
    now = health.runtime.clock.now()
    oldest = now - timedelta(days=health.settings.history_retention_days)

    def kept(instant: datetime) -> datetime:
        return min(max(instant, oldest), now)

    end = kept(to or now)
    start = kept(from_) if from_ is not None else max(end - timedelta(days=DEFAULT_DAYS), oldest)
    start, end = min(start, end), max(start, end)
    facts = health.recomputer.facts
    first = utc_day(start)
    logs = await LogReader(facts).read(
        session,
        [account_id],
        usage_from=first - timedelta(days=facts.usage_days + 1),
        users_from=first - timedelta(days=max(facts.user_window_days().values())),
    )
    if account_id not in logs:
        raise unknown(account_id)
    fold = Fold(logs[account_id], facts.user_window_days(), facts.usage_days)
    scores = []
    for instant in (start, end):  # the fold only moves forward
        signals = fold.facts_at(instant).signals
        card = health.rules.scorecard.for_segment(signals.segment)
        scores.append(compute_health(signals, card, instant))
    before, after = scores
    change = (
        round(after.score - before.score, 1)
        if after.score is not None and before.score is not None
        else None
    )
    return ChangesOut(
        account_id=account_id,
        from_=scored_at(before),
        to=scored_at(after),
        score_change=change,
        band_changed=before.band != after.band,
        moves=[
            MeasureMoveOut(
                measure=m.measure,
                from_value=m.before.raw_value if m.before else None,
                to_value=m.after.raw_value if m.after else None,
                from_sub_score=m.before.sub_score if m.before else None,
                to_sub_score=m.after.sub_score if m.after else None,
                sub_score_change=m.sub_score_change,
                from_explanation=m.before.explanation if m.before else None,
                to_explanation=m.after.explanation if m.after else None,
                from_missing=m.before_missing,
                to_missing=m.after_missing,
            )
            for m in measure_moves(before, after)
        ],
    )


def scored_at(score: HealthScore) -> ScoredAtOut:
    return ScoredAtOut(
        at=score.as_of,
        score=score.score,
        band=score.band,
        components=[
            ComponentOut(
                measure=str(c.measure),
                raw_value=c.raw_value,
                sub_score=c.sub_score,
                weight=c.weight,
                configured_weight=c.configured_weight,
                explanation=c.explanation,
            )
            for c in score.components
        ],
        missing=[MissingOut(measure=str(m.measure), reason=m.reason) for m in score.missing],
    )
