"""Risk score → probability of renewal (`p_renew`), and fitting that curve to outcomes.

The curve is piecewise linear through knots (risk score, p_renew), flat outside them,
and never increases with risk: a riskier term can never look likelier to renew.
"""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

Knot = tuple[float, float]

# A fit on fewer outcomes than this is noise; callers keep their current curve.
MIN_FIT_SAMPLES = 30
MIN_FIT_PER_CLASS = 5
# A fitted block of all renewals (or all churns) would claim certainty.
FIT_FLOOR = 0.02
FIT_CEILING = 0.98


class NotEnoughSamples(ValueError):
    """Too few (or too one-sided) outcomes to fit a calibration curve."""


@dataclass(frozen=True, slots=True)
class Calibration:
    knots: tuple[Knot, ...]

    def __post_init__(self) -> None:
        _check_knots(self.knots)

    def p_renew(self, risk_score: float) -> float:
        xs = [x for x, _ in self.knots]
        if risk_score <= xs[0]:
            return self.knots[0][1]
        if risk_score >= xs[-1]:
            return self.knots[-1][1]
        right = bisect_right(xs, risk_score)
        (x0, p0), (x1, p1) = self.knots[right - 1], self.knots[right]
        return p0 + (p1 - p0) * (risk_score - x0) / (x1 - x0)


def _check_knots(knots: Sequence[Knot]) -> None:
    if not knots:
        raise ValueError("needs at least one knot (risk_score, p_renew)")
    for index, (score, probability) in enumerate(knots):
        if not 0 <= score <= 100:
            raise ValueError(f"knot {index}: risk score {score} must be within 0..100")
        if not 0 <= probability <= 1:
            raise ValueError(f"knot {index}: p_renew {probability} must be within 0..1")
    for index in range(1, len(knots)):
        (x0, p0), (x1, p1) = knots[index - 1], knots[index]
        if x1 <= x0:
            raise ValueError(f"knot {index}: risk scores must increase ({x0} then {x1})")
        if p1 > p0:
            raise ValueError(f"knot {index}: p_renew must not increase with risk ({p0} then {p1})")


def expected_arr(arr: Decimal, p_renew: float) -> Decimal:
    """ARR weighted by the chance of renewal, to the cent."""
    weighted = arr * Decimal(str(p_renew))
    return weighted.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def fit_calibration(
    samples: Sequence[tuple[float, bool]],
    *,
    min_samples: int = MIN_FIT_SAMPLES,
    min_per_class: int = MIN_FIT_PER_CLASS,
) -> Calibration:
    """Isotonic (pool-adjacent-violators) fit of renewed ~ risk score, non-increasing.

    Each pooled block becomes a flat segment (a knot at its lowest and highest score);
    neighbouring blocks are joined linearly. Raises `NotEnoughSamples` below the guard.
    """
    renewed = sum(1 for _, outcome in samples if outcome)
    churned = len(samples) - renewed
    if len(samples) < min_samples or min(renewed, churned) < min_per_class:
        raise NotEnoughSamples(
            f"need at least {min_samples} outcomes with {min_per_class} of each kind; "
            f"got {len(samples)} ({renewed} renewed, {churned} churned)"
        )
    blocks = _pool_adjacent_violators(_grouped_by_score(samples))
    knots: list[Knot] = []
    for block in blocks:
        probability = min(max(block.rate, FIT_FLOOR), FIT_CEILING)
        knots.append((block.low, probability))
        if block.high > block.low:
            knots.append((block.high, probability))
    return Calibration(tuple(_spanning_0_to_100(knots)))


@dataclass
class _Block:
    low: float
    high: float
    renewed: float
    count: int

    @property
    def rate(self) -> float:
        return self.renewed / self.count


def _grouped_by_score(samples: Sequence[tuple[float, bool]]) -> list[_Block]:
    # Equal scores must share one fitted value, so they start in one block.
    totals: dict[float, list[int]] = {}
    for score, outcome in samples:
        clamped = min(max(float(score), 0.0), 100.0)
        renewed_count = totals.setdefault(clamped, [0, 0])
        renewed_count[0] += int(outcome)
        renewed_count[1] += 1
    return [_Block(score, score, r, n) for score, (r, n) in sorted(totals.items())]


def _pool_adjacent_violators(blocks: list[_Block]) -> list[_Block]:
    pooled: list[_Block] = []
    for block in blocks:
        pooled.append(block)
        # Renewal rate must not rise with risk: merge backwards while it does.
        while len(pooled) > 1 and pooled[-1].rate > pooled[-2].rate:
            last = pooled.pop()
            previous = pooled[-1]
            pooled[-1] = _Block(
                previous.low,
                last.high,
                previous.renewed + last.renewed,
                previous.count + last.count,
            )
    return pooled


def _spanning_0_to_100(knots: list[Knot]) -> list[Knot]:
    if knots[0][0] > 0:
        knots.insert(0, (0.0, knots[0][1]))
    if knots[-1][0] < 100:
        knots.append((100.0, knots[-1][1]))
    return knots
