"""What changed between two computations of an account's score: each measure that
moved (its value and sub-score, from and to), and measures that appeared or went."""

from __future__ import annotations

from dataclasses import dataclass

from radar_health.domain.scoring import Component, HealthScore

# Smaller moves are rounding, not change (values are kept to 2 decimals, sub-scores to 1).
MIN_VALUE_MOVE = 0.005
MIN_SUB_SCORE_MOVE = 0.05


@dataclass(frozen=True, slots=True)
class MeasureMove:
    measure: str
    before: Component | None  # None: the measure had no data then
    after: Component | None
    before_missing: str | None = None  # why it had no data, when it had none
    after_missing: str | None = None

    @property
    def sub_score_change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return round(self.after.sub_score - self.before.sub_score, 1)


def measure_moves(before: HealthScore, after: HealthScore) -> list[MeasureMove]:
    """The measures whose value or sub-score moved, or that gained or lost their data;
    largest sub-score move first, then those that appeared or went, by name."""
    old = {str(c.measure): c for c in before.components}
    new = {str(c.measure): c for c in after.components}
    old_missing = {str(m.measure): m.reason for m in before.missing}
    new_missing = {str(m.measure): m.reason for m in after.missing}
    moves = []
    for measure in sorted({*old, *new}):
        was, now = old.get(measure), new.get(measure)
        if was is not None and now is not None and not _moved(was, now):
            continue
        moves.append(
            MeasureMove(measure, was, now, old_missing.get(measure), new_missing.get(measure))
        )
    return sorted(
        moves,
        key=lambda m: (m.sub_score_change is None, -abs(m.sub_score_change or 0.0), m.measure),
    )


def _moved(was: Component, now: Component) -> bool:
    return (
        abs(now.raw_value - was.raw_value) >= MIN_VALUE_MOVE
        or abs(now.sub_score - was.sub_score) >= MIN_SUB_SCORE_MOVE
    )
