"""Renewal risk score 0–100 with its drivers.

score = risk.baseline + Σ driver points, clamped to 0..100 (weights in the rule file).
Every driver is always listed, so a reader sees what was considered; a missing input
scores 0 points and its explanation says it was missing.
"""

from dataclasses import dataclass
from datetime import date

from radar_renewals.domain.policy import RenewalPolicy, RiskBands, RiskPolicy, normalise_stage
from radar_renewals.domain.terms import Term, days_to_renewal
from radar_schemas.common import RiskBand


@dataclass(frozen=True, slots=True)
class Driver:
    """One reason behind a score or an alert; `points` is its share of the risk score."""

    name: str
    value: float | str | None
    points: float
    explanation: str


@dataclass(frozen=True, slots=True)
class Risk:
    score: float
    band: RiskBand
    drivers: tuple[Driver, ...]
    # Set when the rule file decides p_renew (a stage in risk.decided_stages) rather
    # than the calibration curve.
    p_renew: float | None = None

    def top_drivers(self, limit: int = 3) -> tuple[Driver, ...]:
        """The drivers that raised the score most, largest first."""
        raising = [driver for driver in self.drivers if driver.points > 0]
        return tuple(sorted(raising, key=lambda driver: -driver.points)[:limit])


def band_for(score: float, bands: RiskBands) -> RiskBand:
    if score >= bands.high:
        return RiskBand.HIGH
    if score >= bands.medium:
        return RiskBand.MEDIUM
    return RiskBand.LOW


def assess_risk(term: Term, today: date, policy: RenewalPolicy) -> Risk:
    risk = policy.risk
    drivers = (
        health_driver(term, risk),
        health_trend_driver(term, risk),
        stalled_deal_driver(term, today, policy),
        forecast_category_driver(term, risk),
        champion_driver(term, risk),
        escalation_driver(term, risk),
        utilisation_driver(term, risk),
    )
    total = risk.baseline + sum(driver.points for driver in drivers)
    decided = decided_stage_driver(term, risk, total)
    if decided is not None:
        driver, p_renew = decided
        score = round(total + driver.points, 1)
        return Risk(score, band_for(score, risk.bands), (*drivers, driver), p_renew)
    score = round(min(max(total, 0.0), 100.0), 1)
    return Risk(score, band_for(score, risk.bands), drivers)


def decided_stage_driver(term: Term, risk: RiskPolicy, total: float) -> tuple[Driver, float] | None:
    """A stage the rule file says decides the renewal (e.g. Closed Lost: p_renew 0): its
    p_renew replaces the curve's and the score becomes 100 × (1 − p_renew); the driver's
    points are what takes the other drivers' sum there."""
    opportunity = term.opportunity
    if opportunity is None:
        return None
    p_renew = risk.decided_stages.get(normalise_stage(opportunity.stage))
    if p_renew is None:
        return None
    target = round(100 * (1 - p_renew), 1)
    points = _points(target - total)
    why = (
        f"CRM stage {opportunity.stage} decides the renewal: p_renew {pct(p_renew)} "
        f"(risk.decided_stages), so risk {fmt(target)}/100: {signed(points)}"
    )
    return Driver("decided_stage", opportunity.stage, points, why), p_renew


def health_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "health_score"
    if term.health is None:
        return _neutral(name, "no health score yet")
    settings = risk.health
    score = term.health.score
    points = _points((settings.neutral_score - score) * settings.points_per_health_point)
    return Driver(
        name,
        score,
        points,
        f"health {fmt(score)}/100 ({term.health.band}) against a neutral "
        f"{fmt(settings.neutral_score)}: {signed(points)}",
    )


def health_trend_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "health_trend"
    if term.health is None or term.health.score_30d_ago is None:
        return _neutral(name, "no health score from 30 days ago")
    before, now = term.health.score_30d_ago, term.health.score
    fall = before - now
    if fall <= 0:
        return Driver(
            name, -fall, 0.0, f"health did not fall in 30 days ({fmt(before)} → {fmt(now)}): 0"
        )
    settings = risk.health_trend
    points = _points(min(fall / settings.full_drop_points, 1.0) * settings.max_points)
    return Driver(
        name,
        -fall,
        points,
        f"health fell {fmt(fall)} points in 30 days ({fmt(before)} → {fmt(now)}): {signed(points)}",
    )


def stalled_deal_driver(term: Term, today: date, policy: RenewalPolicy) -> Driver:
    """How far the renewal deal lags the progress expected this close to the end date."""
    name = "stalled_deal"
    start = policy.timing.for_segment(term.segment).prepare_days
    days_left = days_to_renewal(term, today)
    if days_left > start:
        return Driver(
            name,
            None,
            0.0,
            f"renewal in {days_left} days, before the {start}-day prepare mark: "
            "no deal progress expected yet",
        )
    expected = 1.0 if start == 0 else min(max((start - days_left) / start, 0.0), 1.0)
    settings = policy.risk.stalled_deal
    opportunity = term.opportunity
    if opportunity is None:
        if term.auto_renew:
            return _neutral(name, "no renewal opportunity, but the subscription auto-renews")
        points = _points(expected * settings.max_points)
        return Driver(
            name,
            "none",
            points,
            f"no renewal opportunity {_when(days_left)} ({pct(expected)} progress expected): "
            f"{signed(points)}",
        )
    progress = settings.stage_progress.get(normalise_stage(opportunity.stage))
    if progress is None:
        return _neutral(name, f"stage {opportunity.stage!r} has no configured progress")
    points = _points(max(expected - progress, 0.0) * settings.max_points)
    return Driver(
        name,
        opportunity.stage,
        points,
        f"stage {opportunity.stage} ({pct(progress)}) {_when(days_left)}, "
        f"{pct(expected)} expected: {signed(points)}",
    )


def forecast_category_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "forecast_category"
    if term.opportunity is None:
        return _neutral(name, "no renewal opportunity, so no forecast category")
    category = term.opportunity.forecast_category
    points = risk.forecast_category.get(category)  # type: ignore[call-overload]
    if points is None:
        return _neutral(name, f"forecast category {category!r} has no configured points")
    return Driver(name, category, points, f"CRM forecast category {category}: {signed(points)}")


def champion_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "champion_lost"
    if not term.champion_lost:
        return Driver(name, 0.0, 0.0, "no champion or exec sponsor loss recorded: 0")
    points = risk.champion_lost_points
    return Driver(name, 1.0, points, f"a champion or exec sponsor left: {signed(points)}")


def escalation_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "open_escalations"
    count = term.open_escalations
    if count is None:
        return _neutral(name, "open escalations not known")
    if count <= 0:
        return Driver(name, 0.0, 0.0, "no open escalations: 0")
    settings = risk.escalations
    points = _points(min(count * settings.points_each, settings.max_points))
    return Driver(
        name,
        float(count),
        points,
        f"{count} open escalation(s) at {fmt(settings.points_each)} each "
        f"(capped at {fmt(settings.max_points)}): {signed(points)}",
    )


def utilisation_driver(term: Term, risk: RiskPolicy) -> Driver:
    name = "seat_utilisation"
    ratio = term.utilisation
    if ratio is None:
        return _neutral(name, "seat utilisation unknown")
    settings = risk.utilisation
    low, high = settings.full_points_at, settings.no_points_at
    share = min(max((high - ratio) / (high - low), 0.0), 1.0)
    points = _points(share * settings.max_points)
    seats = f" of {term.seats} seats" if term.seats else " of seats"
    return Driver(
        name,
        ratio,
        points,
        f"{pct(ratio)}{seats} in use (downsell risk below {pct(high)}): {signed(points)}",
    )


def _neutral(name: str, reason: str) -> Driver:
    return Driver(name, None, 0.0, f"{reason}: neutral (0 points)")


def _when(days_left: int) -> str:
    if days_left >= 0:
        return f"{days_left} days before renewal"
    return f"{-days_left} days past the renewal date"


def _points(value: float) -> float:
    # Rounded once here, so the listed points add up to the score a reader sees.
    return round(value, 1)


def fmt(number: float) -> str:
    """12.0 → '12', 12.5 → '12.5': numbers as a person writes them."""
    text = f"{number:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def signed(points: float) -> str:
    return f"+{fmt(points)}" if points >= 0 else f"-{fmt(-points)}"


def pct(fraction: float) -> str:
    return f"{fraction * 100:.0f} %"
