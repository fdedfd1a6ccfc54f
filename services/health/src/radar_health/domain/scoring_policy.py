"""When a recomputed score is worth a `health.scored` event."""

from radar_health.domain.scoring import HealthScore

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
    if current.score is None:
        return False
    if previous is None or previous.score is None:
        return True
    if previous.band != current.band:
        return True
    # Both are rounded to one decimal; round the difference so 71.0 − 70.0 ≥ 1 holds exactly.
    return round(abs(current.score - previous.score), 1) >= min_score_change
