"""Renewal alert conditions, and which alerts to raise or resolve.

A condition is a pure function of the term, its risk and `today`; the caller keeps
the set of active dedup keys. An alert is raised once per dedup key while its
condition holds and resolved when it clears (`diff_alerts`). Keys carry the term's
end date, so the next term (or a moved end date) gets fresh alerts.

- renewal.window_opened (info): at most one per term, for the latest mark reached
  ("prepare" at prepare_days, "sign" at sign_days before E). Reaching the sign mark
  resolves the prepare alert; the sign alert stays until the term is booked or
  churned (it is still the signing window while overdue).
- renewal.at_risk (critical): open term, E at most at_risk_days away (or past), risk
  band high. Once raised it holds until the score drops below high − hysteresis.
- renewal.overdue (critical): state overdue (past E, unbooked, within tolerance).
- renewal.churned (info): state churned; it holds for good, so it is raised once.

Each condition says from when it could hold at the earliest (`holds_from`): the window
marks, E − at_risk_days, the day after E, the churn day. An alert is never stamped
before that, however old the event that revealed it (a history being loaded).
"""

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from radar_renewals.domain import plays
from radar_renewals.domain.policy import RenewalPolicy
from radar_renewals.domain.risk import Driver, Risk
from radar_renewals.domain.terms import (
    OPEN_STATES,
    State,
    Term,
    days_to_renewal,
    known_booking,
    state_of,
)
from radar_schemas.common import AlertRule, RiskBand, Severity


@dataclass(frozen=True, slots=True)
class Condition:
    rule: AlertRule
    severity: Severity
    dedup_key: str
    title: str
    summary: str
    drivers: tuple[Driver, ...]
    recommended_actions: tuple[str, ...]
    subscription_id: str
    account_id: str
    renewal_date: date
    owner: str | None
    holds_from: datetime  # the earliest moment the condition could hold


class AlertDiff(NamedTuple):
    raised: list[Condition]
    resolved: list[str]  # dedup keys


def dedup_key(rule: AlertRule, term: Term, mark: str | None = None) -> str:
    parts = [rule.value, term.subscription_id, term.end_date.isoformat()]
    return ":".join([*parts, mark] if mark else parts)


def conditions_for(
    term: Term,
    risk: Risk,
    today: date,
    policy: RenewalPolicy,
    *,
    active_keys: Collection[str] = (),
    risk_held: bool = False,
) -> list[Condition]:
    """Conditions that hold for this term today; `active_keys` only feeds hysteresis,
    `risk_held` keeps the at-risk verdict as it is (see `at_risk`)."""
    rules = policy.timing.for_segment(term.segment)
    state = state_of(term, today, rules)
    days_left = days_to_renewal(term, today)
    conditions: list[Condition] = []
    if state in OPEN_STATES:
        mark = _window_mark(days_left, rules.prepare_days, rules.sign_days)
        if mark is not None:
            mark_days = rules.sign_days if mark == "sign" else rules.prepare_days
            conditions.append(_window_opened(term, risk, days_left, mark, mark_days))
        was_at_risk = _raised(term, active_keys)
        if at_risk(term, risk, today, policy, was_at_risk=was_at_risk, held=risk_held):
            conditions.append(_at_risk(term, risk, days_left, rules.at_risk_days))
    if state is State.OVERDUE:
        conditions.append(_overdue(term, -days_left, rules.tolerance_days + days_left))
    if state is State.CHURNED:
        conditions.append(_churned(term, today, policy))
    return conditions


def at_risk(
    term: Term,
    risk: Risk,
    today: date,
    policy: RenewalPolicy,
    *,
    was_at_risk: bool = False,
    held: bool = False,
) -> bool:
    """The one meaning of "at risk" (alerts, forecast, report, gauges): an open term at
    most at_risk_days from E (or past it) whose risk is high; once at risk it stays so
    until the score falls below high − hysteresis, so it does not flap.

    `held`: the risk is not to be judged now (its health is history still being
    loaded), so the verdict stays `was_at_risk`; a booking or churn still ends it.
    """
    rules = policy.timing.for_segment(term.segment)
    if state_of(term, today, rules) not in OPEN_STATES:
        return False
    if days_to_renewal(term, today) > rules.at_risk_days:
        return False
    if held:
        return was_at_risk
    if risk.band is RiskBand.HIGH:
        return True
    threshold = policy.risk.bands.high - policy.alerts.at_risk_hysteresis_points
    return was_at_risk and risk.score >= threshold


def _raised(term: Term, active_keys: Collection[str]) -> bool:
    return dedup_key(AlertRule.RENEWAL_AT_RISK, term) in active_keys


def diff_alerts(active_keys: Iterable[str], conditions: Iterable[Condition]) -> AlertDiff:
    """Raise conditions not yet active (once per key); resolve active keys that cleared.

    `active_keys` are the active renewal alerts of this subscription only: any key not
    among today's conditions (an older term's included) is resolved.
    """
    active = list(dict.fromkeys(active_keys))  # ordered and unique
    current: dict[str, Condition] = {}
    for condition in conditions:
        current.setdefault(condition.dedup_key, condition)
    raised = [condition for key, condition in current.items() if key not in active]
    resolved = [key for key in active if key not in current]
    return AlertDiff(raised, resolved)


def _window_mark(days_left: int, prepare_days: int, sign_days: int) -> str | None:
    if days_left <= sign_days:
        return "sign"
    if days_left <= prepare_days:
        return "prepare"
    return None


def _window_opened(term: Term, risk: Risk, days_left: int, mark: str, mark_days: int) -> Condition:
    phase = "signing" if mark == "sign" else "preparation"
    title = f"Renewal {phase} window open: {term.display_name} renews {term.end_date}"
    summary = (
        f"{term.display_name} ({money(term.arr, term.currency)} ARR) renews on "
        f"{term.end_date}, {_distance(days_left)}. Risk {risk.score:g}/100 ({risk.band})."
    )
    play = plays.SIGN_PLAY if mark == "sign" else plays.PREPARE_PLAY
    drivers = (_days_driver(term, days_left), *risk.top_drivers())
    return _condition(
        AlertRule.RENEWAL_WINDOW_OPENED,
        Severity.INFO,
        term,
        title,
        summary,
        drivers,
        play,
        _day_start(term.end_date - timedelta(days=mark_days)),
        mark,
    )


def _at_risk(term: Term, risk: Risk, days_left: int, at_risk_days: int) -> Condition:
    top = risk.top_drivers()
    reasons = "; ".join(driver.explanation for driver in top) or "no single driver stands out"
    title = f"Renewal at risk: {term.display_name} ({money(term.arr, term.currency)})"
    summary = (
        f"Risk {risk.score:g}/100 ({risk.band}) for the renewal on {term.end_date}, "
        f"{_distance(days_left)}. Top drivers: {reasons}."
    )
    extra = tuple(plays.DRIVER_PLAYS[d.name] for d in top if d.name in plays.DRIVER_PLAYS)
    drivers = (_days_driver(term, days_left), *risk.top_drivers(limit=5))
    return _condition(
        AlertRule.RENEWAL_AT_RISK,
        Severity.CRITICAL,
        term,
        title,
        summary,
        drivers,
        plays.AT_RISK_PLAY + extra,
        _day_start(term.end_date - timedelta(days=at_risk_days)),
    )


def _overdue(term: Term, days_overdue: int, days_to_churn: int) -> Condition:
    title = f"Renewal overdue: {term.display_name} was due {term.end_date}"
    summary = (
        f"{term.display_name} ({money(term.arr, term.currency)} ARR) is not booked "
        f"{days_overdue} days after its renewal date; it counts as churned in "
        f"{days_to_churn} days."
    )
    stage = term.opportunity.stage if term.opportunity else "none"
    drivers = (
        Driver(
            "days_overdue", float(days_overdue), 0.0, f"{days_overdue} days past {term.end_date}"
        ),
        Driver(
            "days_to_churn", float(days_to_churn), 0.0, f"{days_to_churn} days of tolerance left"
        ),
        Driver("opportunity_stage", stage, 0.0, f"renewal opportunity stage: {stage}"),
    )
    return _condition(
        AlertRule.RENEWAL_OVERDUE,
        Severity.CRITICAL,
        term,
        title,
        summary,
        drivers,
        plays.OVERDUE_PLAY,
        _day_start(term.end_date + timedelta(days=1)),
    )


def _churned(term: Term, today: date, policy: RenewalPolicy) -> Condition:
    reason = _churn_reason(term, today, policy)
    title = f"Renewal churned: {term.display_name} ({money(term.arr, term.currency)})"
    summary = f"The term ending {term.end_date} churned: {reason}."
    drivers = (
        Driver("churn_reason", reason, 0.0, reason),
        Driver("arr_lost", float(term.arr), 0.0, f"{money(term.arr, term.currency)} ARR lost"),
    )
    return _condition(
        AlertRule.RENEWAL_CHURNED,
        Severity.INFO,
        term,
        title,
        summary,
        drivers,
        plays.CHURNED_PLAY,
        # A cancellation counts once known, whatever its effective date: only the term's
        # start bounds when that was (the event that told it stamps the alert).
        _day_start(term.start_date if term.cancellation else churned_on(term, policy)),
    )


def _churn_reason(term: Term, today: date, policy: RenewalPolicy) -> str:
    rules = policy.timing.for_segment(term.segment)
    if term.cancellation is not None:
        why = f" ({term.cancellation.reason})" if term.cancellation.reason else ""
        return f"cancelled, effective {term.cancellation.effective_date}{why}"
    booking = known_booking(term, today)
    if booking is not None:
        # Churned, not cancelled, yet booked: only a booking past the tolerance does that.
        return (
            f"booked {booking.booked_at}, after the {rules.tolerance_days}-day tolerance "
            "(a win-back, counted as new business)"
        )
    return f"not booked within {rules.tolerance_days} days of the renewal date"


def _condition(
    rule: AlertRule,
    severity: Severity,
    term: Term,
    title: str,
    summary: str,
    drivers: tuple[Driver, ...],
    actions: tuple[str, ...],
    holds_from: datetime,
    mark: str | None = None,
) -> Condition:
    return Condition(
        rule=rule,
        severity=severity,
        dedup_key=dedup_key(rule, term, mark),
        title=title,
        summary=summary,
        drivers=drivers,
        recommended_actions=actions,
        subscription_id=term.subscription_id,
        account_id=term.account_id,
        renewal_date=term.end_date,
        owner=term.owner,
        holds_from=holds_from,
    )


def churned_on(term: Term, policy: RenewalPolicy) -> date:
    """The day a churned term churned: its cancellation's effective date, its win-back
    booking, or the first day after the tolerance."""
    if term.cancellation is not None:
        return term.cancellation.effective_date
    if term.booking is not None:
        return term.booking.booked_at
    tolerance = policy.timing.for_segment(term.segment).tolerance_days
    return term.end_date + timedelta(days=tolerance + 1)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _days_driver(term: Term, days_left: int) -> Driver:
    return Driver(
        "days_to_renewal", float(days_left), 0.0, f"renews {term.end_date}, {_distance(days_left)}"
    )


def _distance(days_left: int) -> str:
    if days_left >= 0:
        return f"in {days_left} days"
    return f"{-days_left} days ago"


def money(amount: Decimal, currency: str) -> str:
    return f"{currency} {amount:,.0f}"
