"""One reader per measure: the raw value and a one-line explanation, or why there is none."""

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from radar_health.domain import formatting as fmt
from radar_health.domain.instants import elapsed_days, within_last
from radar_health.domain.scorecard import Measure, RelationshipState, Scorecard
from radar_health.domain.signals import AccountSignals, ContactState, compare_usage_windows

CSAT_MIN, CSAT_MAX = 1, 5  # the CSAT scale of the event contract
NPS_MAX = 10


@dataclass(frozen=True, slots=True)
class Reading:
    raw_value: float
    explanation: str


@dataclass(frozen=True, slots=True)
class NoData:
    reason: str


MeasureResult = Reading | NoData


def read_usage_trend(signals: AccountSignals, card: Scorecard, as_of: datetime) -> MeasureResult:
    days = card.usage_trend.window_days
    windows = compare_usage_windows(signals.daily_active_usage, as_of, days)
    change = windows.change_percent
    if change is None:
        return NoData(f"No active usage in the {days} days before the last {days} to compare with")
    return Reading(
        change,
        f"Active usage {fmt.number(windows.recent)} in the last {days} days"
        f" vs {fmt.number(windows.previous)} before ({fmt.signed_percent(change)})",
    )


def read_license_utilization(
    signals: AccountSignals, card: Scorecard, as_of: datetime
) -> MeasureResult:
    seats, users = signals.seats, signals.distinct_active_users
    if seats is None or seats <= 0:
        return NoData("No seat count from a subscription")
    if users is None:
        return NoData("No usage with a user id recorded")
    utilization = users / seats * 100
    return Reading(
        utilization,
        f"{fmt.number(users)} of {fmt.plural(seats, 'seat')} active in the last"
        f" {card.license_utilization.window_days} days ({fmt.percent(utilization)})",
    )


def read_support_load(signals: AccountSignals, card: Scorecard, as_of: datetime) -> MeasureResult:
    tickets = signals.open_tickets
    if tickets is None:
        return NoData("No support tickets recorded")
    if not tickets:
        return Reading(0.0, "No open tickets")
    settings = card.support_load
    load = math.fsum(
        getattr(settings.priority_weights, ticket.priority)
        + (settings.escalation_weight if ticket.escalated else 0.0)
        for ticket in tickets
    )
    by_priority = Counter(ticket.priority for ticket in tickets)
    parts = [f"{by_priority[p]} {p}" for p in ("urgent", "high", "normal", "low") if by_priority[p]]
    escalated = sum(1 for ticket in tickets if ticket.escalated)
    if escalated:
        parts.append(f"{escalated} escalated")
    return Reading(
        load,
        f"{fmt.plural(len(tickets), 'open ticket')} {'weighs' if len(tickets) == 1 else 'weigh'}"
        f" {fmt.number(load)} ({', '.join(parts)})",
    )


def read_satisfaction(signals: AccountSignals, card: Scorecard, as_of: datetime) -> MeasureResult:
    settings = card.satisfaction
    days = settings.window_days
    nps = [r.score for r in signals.nps_responses if within_last(r.at, as_of, days)]
    if nps:
        mean = math.fsum(nps) / len(nps)
        return Reading(
            mean,
            f"Mean NPS {fmt.number(mean)} from {fmt.plural(len(nps), 'response')}"
            f" in the last {days} days",
        )
    csat = [r.score for r in signals.csat_responses if within_last(r.at, as_of, days)]
    if csat and settings.csat_fallback:
        mean_csat = math.fsum(csat) / len(csat)
        on_nps_scale = (mean_csat - CSAT_MIN) / (CSAT_MAX - CSAT_MIN) * NPS_MAX
        return Reading(
            on_nps_scale,
            f"Mean CSAT {fmt.number(mean_csat)} of {CSAT_MAX} ({fmt.number(on_nps_scale)} of"
            f" {NPS_MAX}) from {fmt.plural(len(csat), 'response')} in the last {days} days,"
            " no NPS",
        )
    return NoData(f"No NPS or CSAT in the last {days} days")


def read_engagement_recency(
    signals: AccountSignals, card: Scorecard, as_of: datetime
) -> MeasureResult:
    last = signals.last_engagement_at
    if last is None:
        return NoData("No engagement logged")
    days = elapsed_days(last, as_of)
    return Reading(
        days,
        f"Last engagement {fmt.plural(int(days), 'day')} ago ({last.date().isoformat()})",
    )


def relationship_state(contacts: tuple[ContactState, ...]) -> RelationshipState | None:
    """Classify champion / exec sponsor coverage; None when no contact is known at all."""
    if not contacts:
        return None
    present = {c.role for c in contacts if c.present}
    left = {c.role for c in contacts if not c.present}
    if "champion" in present:
        if "exec_sponsor" in present:
            return RelationshipState.BOTH_PRESENT
        return RelationshipState.CHAMPION_ONLY
    if "exec_sponsor" in present:
        if "champion" in left:
            return RelationshipState.EXEC_SPONSOR_CHAMPION_LEFT
        return RelationshipState.EXEC_SPONSOR_ONLY
    if left & {"champion", "exec_sponsor"}:
        return RelationshipState.LEFT_NONE_NAMED
    return RelationshipState.NONE_NAMED


RELATIONSHIP_TEXT = {
    RelationshipState.BOTH_PRESENT: "Champion and exec sponsor present",
    RelationshipState.CHAMPION_ONLY: "Champion present, no exec sponsor",
    RelationshipState.EXEC_SPONSOR_ONLY: "Exec sponsor present, no champion named",
    RelationshipState.EXEC_SPONSOR_CHAMPION_LEFT: "Champion left, exec sponsor still present",
    RelationshipState.NONE_NAMED: "No champion or exec sponsor named",
    RelationshipState.LEFT_NONE_NAMED: "Champion or exec sponsor left, none named since",
}


def read_relationship(signals: AccountSignals, card: Scorecard, as_of: datetime) -> MeasureResult:
    state = relationship_state(signals.contacts)
    if state is None:
        return NoData("No contacts recorded")
    return Reading(card.relationship.levels.points(state), RELATIONSHIP_TEXT[state])


MeasureReader = Callable[[AccountSignals, Scorecard, datetime], MeasureResult]

READERS: dict[Measure, MeasureReader] = {
    Measure.USAGE_TREND: read_usage_trend,
    Measure.LICENSE_UTILIZATION: read_license_utilization,
    Measure.SUPPORT_LOAD: read_support_load,
    Measure.SATISFACTION: read_satisfaction,
    Measure.ENGAGEMENT_RECENCY: read_engagement_recency,
    Measure.RELATIONSHIP: read_relationship,
}
