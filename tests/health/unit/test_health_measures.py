"""Each measure alone (the score then equals its sub-score): bounds, beyond, middle, no data."""

import pytest
from health_factories import AS_OF, ago, card_with, only, signals, usage_days

from radar_health.domain.scorecard import Measure, RelationshipState
from radar_health.domain.scoring import HealthScore, compute_health
from radar_health.domain.signals import (
    AccountSignals,
    ContactState,
    CsatResponse,
    NpsResponse,
    OpenTicket,
)


def score_of(measure: Measure, account: AccountSignals) -> HealthScore:
    return compute_health(account, only(measure), AS_OF)


def sub_score(measure: Measure, account: AccountSignals) -> float | None:
    return score_of(measure, account).score


# usage_trend: 100 at ≥ +10 %, 0 at ≤ −50 %


@pytest.mark.parametrize(
    ("recent", "previous", "expected"),
    [
        (660, 600, 100.0),  # +10 %: full
        (900, 600, 100.0),  # +50 %: clamped
        (300, 600, 0.0),  # −50 %: zero
        (0, 600, 0.0),  # −100 %: clamped
        (480, 600, 50.0),  # −20 %: midway
        (600, 600, 83.3),  # flat
    ],
)
def test_usage_trend(recent: float, previous: float, expected: float) -> None:
    account = signals(daily_active_usage=usage_days(recent, previous))
    assert sub_score(Measure.USAGE_TREND, account) == expected


def test_usage_trend_explains_with_numbers() -> None:
    account = signals(daily_active_usage=usage_days(412, 600))
    component = score_of(Measure.USAGE_TREND, account).components[0]
    assert component.explanation == "Active usage 412 in the last 30 days vs 600 before (−31 %)"
    assert component.raw_value == -31.33


def test_usage_trend_without_previous_usage_is_missing() -> None:
    result = score_of(Measure.USAGE_TREND, signals(daily_active_usage=usage_days(500, 0)))
    assert result.score is None
    assert result.missing_measures == (Measure.USAGE_TREND,)
    assert "No active usage in the 30 days before the last 30" in result.missing[0].reason


def test_usage_trend_window_is_a_setting() -> None:
    card = card_with(
        weights={m.value: int(m is Measure.USAGE_TREND) for m in Measure},
        usage_trend={"window_days": 7},
    )
    account = signals(daily_active_usage=usage_days(66, 60, window=7))
    assert compute_health(account, card, AS_OF).score == 100.0


# license_utilization: 100 at ≥ 80 %, 0 at ≤ 20 %


@pytest.mark.parametrize(
    ("users", "seats", "expected"),
    [(80, 100, 100.0), (130, 100, 100.0), (20, 100, 0.0), (5, 100, 0.0), (50, 100, 50.0)],
)
def test_license_utilization(users: int, seats: int, expected: float) -> None:
    account = signals(distinct_active_users=users, seats=seats)
    assert sub_score(Measure.LICENSE_UTILIZATION, account) == expected


def test_license_utilization_explanation() -> None:
    account = signals(distinct_active_users=42, seats=60)
    component = score_of(Measure.LICENSE_UTILIZATION, account).components[0]
    assert component.explanation == "42 of 60 seats active in the last 30 days (70 %)"


@pytest.mark.parametrize(
    ("users", "seats", "reason"),
    [
        (10, None, "No seat count"),
        (10, 0, "No seat count"),
        (None, 50, "No usage with a user id"),
    ],
)
def test_license_utilization_missing(users: int | None, seats: int | None, reason: str) -> None:
    result = score_of(
        Measure.LICENSE_UTILIZATION, signals(distinct_active_users=users, seats=seats)
    )
    assert result.score is None
    assert reason in result.missing[0].reason


# support_load: urgent 4, high 2, normal 1, low 0.5, +3 per escalation; 100 at 0, 0 at ≥ 10


def ticket(priority: str, escalated: bool = False, ticket_id: str = "t") -> OpenTicket:
    return OpenTicket(ticket_id=ticket_id, priority=priority, escalated=escalated)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("tickets", "load", "expected"),
    [
        ((), 0.0, 100.0),
        ((ticket("urgent"), ticket("urgent"), ticket("high")), 10.0, 0.0),
        ((ticket("urgent", escalated=True), ticket("urgent", escalated=True)), 14.0, 0.0),
        ((ticket("normal"),) * 5, 5.0, 50.0),
        ((ticket("low"), ticket("low")), 1.0, 90.0),
        ((ticket("high", escalated=True),), 5.0, 50.0),
    ],
)
def test_support_load(tickets: tuple[OpenTicket, ...], load: float, expected: float) -> None:
    result = score_of(Measure.SUPPORT_LOAD, signals(open_tickets=tickets))
    assert result.components[0].raw_value == load
    assert result.score == expected


def test_support_load_explanation() -> None:
    tickets = (ticket("urgent", escalated=True, ticket_id="a"), ticket("normal", ticket_id="b"))
    component = score_of(Measure.SUPPORT_LOAD, signals(open_tickets=tickets)).components[0]
    assert component.explanation == "2 open tickets weigh 8 (1 urgent, 1 normal, 1 escalated)"
    single = score_of(Measure.SUPPORT_LOAD, signals(open_tickets=(ticket("high"),)))
    assert single.components[0].explanation == "1 open ticket weighs 2 (1 high)"


def test_support_load_without_any_ticket_history_is_missing() -> None:
    assert score_of(Measure.SUPPORT_LOAD, signals(open_tickets=None)).score is None


def test_support_priority_weights_are_settings() -> None:
    card = card_with(
        weights={m.value: int(m is Measure.SUPPORT_LOAD) for m in Measure},
        support_load={"priority_weights": {"urgent": 10}},
    )
    result = compute_health(signals(open_tickets=(ticket("urgent"),)), card, AS_OF)
    assert result.score == 0.0


# satisfaction: mean NPS of 180 d, 100 at ≥ 9, 0 at ≤ 4; CSAT 1–5 → 0–10 without NPS


def nps(*scores: int, days_ago: float = 10) -> tuple[NpsResponse, ...]:
    return tuple(NpsResponse(f"c{i}", s, ago(days_ago)) for i, s in enumerate(scores))


def csat(*scores: int, days_ago: float = 10) -> tuple[CsatResponse, ...]:
    return tuple(CsatResponse(f"t{i}", s, ago(days_ago)) for i, s in enumerate(scores))


@pytest.mark.parametrize(
    ("scores", "expected"),
    [((9,), 100.0), ((10, 10), 100.0), ((4,), 0.0), ((0, 2), 0.0), ((6, 7), 50.0)],
)
def test_satisfaction_from_nps(scores: tuple[int, ...], expected: float) -> None:
    assert sub_score(Measure.SATISFACTION, signals(nps_responses=nps(*scores))) == expected


@pytest.mark.parametrize(
    ("scores", "expected"),
    [((5,), 100.0), ((1,), 0.0), ((3,), 20.0), ((4, 5), 95.0)],  # 3 → 5/10, 4.5 → 8.75/10
)
def test_satisfaction_falls_back_to_csat_mapped_to_0_10(
    scores: tuple[int, ...], expected: float
) -> None:
    assert sub_score(Measure.SATISFACTION, signals(csat_responses=csat(*scores))) == expected


def test_satisfaction_prefers_nps_over_csat() -> None:
    account = signals(nps_responses=nps(9), csat_responses=csat(1))
    result = score_of(Measure.SATISFACTION, account)
    assert result.score == 100.0
    assert result.components[0].explanation == "Mean NPS 9 from 1 response in the last 180 days"


def test_satisfaction_only_counts_the_last_180_days() -> None:
    old_nps = nps(0, days_ago=180)  # exactly 180 days old: outside "the last 180 days"
    account = signals(nps_responses=old_nps + nps(9, days_ago=179), csat_responses=csat(1))
    assert sub_score(Measure.SATISFACTION, account) == 100.0
    only_old = signals(nps_responses=old_nps, csat_responses=csat(5, days_ago=200))
    result = score_of(Measure.SATISFACTION, only_old)
    assert result.score is None
    assert result.missing[0].reason == "No NPS or CSAT in the last 180 days"


def test_satisfaction_csat_fallback_can_be_switched_off() -> None:
    card = card_with(
        weights={m.value: int(m is Measure.SATISFACTION) for m in Measure},
        satisfaction={"csat_fallback": False},
    )
    assert compute_health(signals(csat_responses=csat(5)), card, AS_OF).score is None


def test_satisfaction_ignores_responses_after_as_of() -> None:
    account = signals(nps_responses=nps(0, days_ago=-1) + nps(9))
    assert sub_score(Measure.SATISFACTION, account) == 100.0


# engagement_recency: 100 at ≤ 14 days, 0 at ≥ 90 days


@pytest.mark.parametrize(
    ("days", "expected"), [(14, 100.0), (3, 100.0), (90, 0.0), (200, 0.0), (52, 50.0)]
)
def test_engagement_recency(days: float, expected: float) -> None:
    assert sub_score(Measure.ENGAGEMENT_RECENCY, signals(last_engagement_at=ago(days))) == expected


def test_engagement_recency_explanation_and_missing() -> None:
    result = score_of(Measure.ENGAGEMENT_RECENCY, signals(last_engagement_at=ago(20, hours=3)))
    assert result.components[0].explanation == "Last engagement 20 days ago (2025-05-26)"
    assert score_of(Measure.ENGAGEMENT_RECENCY, signals()).missing[0].reason == (
        "No engagement logged"
    )


def test_engagement_after_as_of_counts_as_today() -> None:
    assert sub_score(Measure.ENGAGEMENT_RECENCY, signals(last_engagement_at=ago(-2))) == 100.0


# relationship: both present 100 … champion left and none named 0


def contact(contact_id: str, role: str, present: bool) -> ContactState:
    return ContactState(contact_id, role, present, ago(30))  # type: ignore[arg-type]


CHAMPION = contact("champ", "champion", True)
CHAMPION_LEFT = contact("champ-old", "champion", False)
SPONSOR = contact("exec", "exec_sponsor", True)
SPONSOR_LEFT = contact("exec-old", "exec_sponsor", False)
USER = contact("user", "user", True)


@pytest.mark.parametrize(
    ("contacts", "state", "expected"),
    [
        ((CHAMPION, SPONSOR), RelationshipState.BOTH_PRESENT, 100.0),
        ((CHAMPION_LEFT, CHAMPION, SPONSOR), RelationshipState.BOTH_PRESENT, 100.0),
        ((CHAMPION, SPONSOR_LEFT), RelationshipState.CHAMPION_ONLY, 70.0),
        ((SPONSOR, USER), RelationshipState.EXEC_SPONSOR_ONLY, 50.0),
        ((SPONSOR, CHAMPION_LEFT), RelationshipState.EXEC_SPONSOR_CHAMPION_LEFT, 25.0),
        ((USER,), RelationshipState.NONE_NAMED, 20.0),
        ((CHAMPION_LEFT, USER), RelationshipState.LEFT_NONE_NAMED, 0.0),
        ((SPONSOR_LEFT,), RelationshipState.LEFT_NONE_NAMED, 0.0),
    ],
)
def test_relationship(
    contacts: tuple[ContactState, ...], state: RelationshipState, expected: float
) -> None:
    from radar_health.domain.measures import RELATIONSHIP_TEXT

    result = score_of(Measure.RELATIONSHIP, signals(contacts=contacts))
    assert result.score == expected
    assert result.components[0].explanation == RELATIONSHIP_TEXT[state]


def test_relationship_without_contacts_is_missing() -> None:
    assert score_of(Measure.RELATIONSHIP, signals()).missing[0].reason == "No contacts recorded"


def test_relationship_levels_are_settings() -> None:
    card = card_with(
        weights={m.value: int(m is Measure.RELATIONSHIP) for m in Measure},
        relationship={"levels": {"champion_only": 90}},
    )
    assert compute_health(signals(contacts=(CHAMPION,)), card, AS_OF).score == 90.0
