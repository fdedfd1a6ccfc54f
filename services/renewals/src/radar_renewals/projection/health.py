"""Health facts: one score per account and day, with the seat utilisation and the open
escalations the health service concluded, kept as a history so a term can be seen as
of any past day (the backtest scores terms before their outcome)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast
from uuid import UUID

from radar_renewals.store.facts import version_columns, write_health_scores
from radar_runtime import UnitOfWork
from radar_runtime.versions import version_of
from radar_schemas.derived import HealthScoredEvent, ScoreOverride
from radar_schemas.envelope import Envelope

UTILISATION_MEASURE = "license_utilization"


async def apply_scores(uow: UnitOfWork, events: list[Envelope]) -> None:
    await write_health_scores(uow.session, score_rows(cast(list[HealthScoredEvent], events)))


def score_rows(events: list[HealthScoredEvent]) -> list[dict[str, Any]]:
    """One row per account and day: the score computed last that day (`as_of`), then
    the newest event, as the stored rows are compared."""
    newest: dict[tuple[str, date], HealthScoredEvent] = {}
    for event in events:
        key = (event.account_id, event.payload.as_of.astimezone(UTC).date())
        known = newest.get(key)
        if known is None or _order(event) > _order(known):
            newest[key] = event
    return [_score_row(event) for event in newest.values()]


def _order(event: HealthScoredEvent) -> tuple[datetime, datetime, UUID]:
    return (event.payload.as_of, *version_of(event))


def override_note(override: ScoreOverride | None) -> str | None:
    """What an override is, naming who set it: messages it causes say so."""
    if override is None:
        return None
    to = f"{override.score:g}" if override.score is not None else f"band {override.band}"
    return f"health overridden to {to} by {override.author}, reason: {override.reason}"


def _score_row(event: HealthScoredEvent) -> dict[str, Any]:
    h = event.payload
    as_of = h.as_of.astimezone(UTC)
    utilisation = next(
        (
            c.raw_value / 100
            for c in h.components
            if c.measure == UTILISATION_MEASURE and c.raw_value is not None
        ),
        None,
    )
    return {
        "account_id": event.account_id,
        "day": as_of.date(),
        "as_of": as_of,
        "score": h.score,
        "band": h.band,
        "score_30d_ago": h.score_30d_ago,
        "utilisation": utilisation,
        "open_escalations": h.open_escalations,
        "override_note": override_note(h.override),
        "provisional": h.provisional,
        **version_columns(event),
    }
