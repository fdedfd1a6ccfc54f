"""When a recomputed score is worth a `health.scored` event."""

from radar_health.domain.scoring import HealthScore
from radar_schemas.common import Band

MIN_SCORE_CHANGE = 1.0  # points; smaller moves are noise for downstream consumers


def should_emit_scored(
    previous: HealthScore | None,
    current: HealthScore,
    *,
    min_score_change: float = MIN_SCORE_CHANGE,
) -> bool:
    """Emit on the first score, a move of ≥ `min_score_change` points, or a band change.

    An unscored result is never emitted: `health.scored` carries a 0–100 score, so
    downstream keeps the last real score until data returns.
    """
    return score_moved(
        previous.score if previous is not None else None,
        previous.band if previous is not None else None,
        current.score,
        current.band,
        min_score_change=min_score_change,
    )


def score_moved(
    previous_score: float | None,
    previous_band: Band | str | None,
    score: float | None,
    band: Band | str | None,
    *,
    min_score_change: float = MIN_SCORE_CHANGE,
) -> bool:
    """`should_emit_scored` on bare values, e.g. the last emitted score against an override."""
    if score is None:
        return False
    if previous_score is None:
        return True
    if previous_band != band:
        return True
    # Both are rounded to one decimal; round the difference so 71.0 − 70.0 ≥ 1 holds exactly.
    return round(abs(score - previous_score), 1) >= min_score_change
