"""usage.sharp_drop, engagement.silent, champion.left, support.escalation, nps.detractor."""

from datetime import timedelta

import pytest
from health_factories import (
    ACCOUNT,
    AS_OF,
    TODAY,
    ago,
    alert_rules,
    day_ago,
    evaluate,
    of_rule,
    signals,
)

from radar_health.domain.alerts import Condition, ResolveReason, apply_changes, diff_alerts
from radar_health.domain.signals import AccountSignals, ContactState, NpsResponse, OpenTicket
from radar_schemas.common import AlertRule, Severity


def holding(rule: AlertRule, account: AccountSignals, **kwargs: object) -> list[Condition]:
    return of_rule(evaluate(account, **kwargs), rule)  # type: ignore[arg-type]


def assert_lifecycle(fires: list[Condition], cleared: list[Condition]) -> None:
    """Raised once, not repeated while held, resolved when it no longer holds."""
    first = diff_alerts({}, fires, AS_OF)
    assert len(first.raised) == len(fires) > 0
    active = apply_changes({}, first)
    assert diff_alerts(active, fires, AS_OF).is_empty
    resolved = diff_alerts(active, cleared, AS_OF).resolved
    assert {r.alert.dedup_key for r in resolved} == {c.dedup_key for c in fires} - {
        c.dedup_key for c in cleared
    }
    assert all(r.reason is ResolveReason.CLEARED for r in resolved)


# usage.sharp_drop: last 7 d ≤ 60 % of the weekly mean of the 28 days before


def usage(last_week: float, weekly_mean: float) -> AccountSignals:
    daily = {day_ago(offset): last_week / 7 for offset in range(1, 8)}
    daily |= {day_ago(offset): weekly_mean / 7 for offset in range(8, 36)}
    return signals(daily_active_usage=daily)


def test_usage_drop_fires_at_exactly_60_percent() -> None:
    [drop] = holding(AlertRule.USAGE_SHARP_DROP, usage(420.0, 700.0))
    assert drop.dedup_key == f"usage.sharp_drop:{ACCOUNT}"
    assert drop.severity is Severity.WARNING
    assert drop.title == "Active usage dropped to 60 % of normal"
    assert drop.summary == (
        "Active usage 420 in the last 7 days vs a mean of 700 per 7 days over the 28 days"
        " before (60 %)."
    )
    assert drop.recommended_actions == (
        "Schedule a check-in",
        "Share the usage guide",
        "Offer training",
    )


def test_usage_drop_does_not_fire_above_60_percent_or_without_baseline() -> None:
    assert holding(AlertRule.USAGE_SHARP_DROP, usage(421.0, 700.0)) == []
    assert holding(AlertRule.USAGE_SHARP_DROP, usage(0.0, 0.0)) == []
    assert holding(AlertRule.USAGE_SHARP_DROP, usage(100.0, 0.0)) == []


def test_usage_drop_ignores_the_running_day() -> None:
    account = usage(420.0, 700.0)
    busy_today = signals(daily_active_usage={**account.daily_active_usage, TODAY: 5000.0})
    assert len(holding(AlertRule.USAGE_SHARP_DROP, busy_today)) == 1


def test_usage_drop_minimum_baseline_is_a_setting() -> None:
    rules = alert_rules(usage_sharp_drop={"min_baseline": 1000})
    assert holding(AlertRule.USAGE_SHARP_DROP, usage(0.0, 700.0), rules=rules) == []


def test_usage_drop_lifecycle() -> None:
    assert_lifecycle(
        holding(AlertRule.USAGE_SHARP_DROP, usage(100.0, 700.0)),
        holding(AlertRule.USAGE_SHARP_DROP, usage(650.0, 700.0)),
    )


# engagement.silent: no engagement for ≥ 45 days


def test_silent_after_45_days() -> None:
    [silent] = holding(AlertRule.ENGAGEMENT_SILENT, signals(last_engagement_at=ago(45)))
    assert silent.dedup_key == f"engagement.silent:{ACCOUNT}"
    assert silent.title == "No engagement since 2025-05-01"
    assert silent.drivers[0].value == 45
    assert silent.summary == (
        "Last engagement on 2025-05-01, 45 days before 2025-06-15; alert after 45 days."
    )


def test_silence_is_counted_as_the_engagement_measure_counts_it() -> None:
    """One number: the alert's days and the health component's explanation agree."""
    from health_factories import card_with

    from radar_health.domain.measures import read_engagement_recency

    account = signals(last_engagement_at=ago(109, 20))
    [silent] = holding(AlertRule.ENGAGEMENT_SILENT, account)
    reading = read_engagement_recency(account, card_with(), AS_OF)
    assert silent.drivers[0].value == 109
    assert reading.explanation.startswith("Last engagement 109 days ago")  # type: ignore[union-attr]


def test_not_silent_before_45_days() -> None:
    assert holding(AlertRule.ENGAGEMENT_SILENT, signals(last_engagement_at=ago(44, 23))) == []


def test_never_engaged_is_silent_once_the_account_is_45_days_old() -> None:
    old = signals(first_seen_at=ago(60))
    [silent] = holding(AlertRule.ENGAGEMENT_SILENT, old)
    assert "No engagement logged since the account appeared" in silent.summary
    assert holding(AlertRule.ENGAGEMENT_SILENT, signals(first_seen_at=ago(10))) == []
    assert holding(AlertRule.ENGAGEMENT_SILENT, signals()) == []


def test_silence_lifecycle() -> None:
    assert_lifecycle(
        holding(AlertRule.ENGAGEMENT_SILENT, signals(last_engagement_at=ago(50))),
        holding(AlertRule.ENGAGEMENT_SILENT, signals(last_engagement_at=ago(1))),
    )


# champion.left: critical if the renewal is fewer than 180 days away, else warning


def contact(contact_id: str, role: str, present: bool) -> ContactState:
    return ContactState(contact_id, role, present, ago(3))  # type: ignore[arg-type]


CHAMPION_LEFT = contact("c-anna", "champion", False)


def champion(*contacts: ContactState, renewal_in: int | None = None) -> list[Condition]:
    renewal = None if renewal_in is None else TODAY + timedelta(days=renewal_in)
    account = signals(contacts=contacts, renewal_date=renewal)
    return holding(AlertRule.CHAMPION_LEFT, account)


@pytest.mark.parametrize(
    ("renewal_in", "severity"),
    [
        (179, Severity.CRITICAL),
        (180, Severity.WARNING),
        (-5, Severity.CRITICAL),
        (None, Severity.WARNING),
    ],
)
def test_champion_left_severity_depends_on_the_renewal(
    renewal_in: int | None, severity: Severity
) -> None:
    [left] = champion(CHAMPION_LEFT, renewal_in=renewal_in)
    assert left.severity is severity
    assert left.dedup_key == f"champion.left:{ACCOUNT}:c-anna"
    assert left.subject_id == "c-anna"


def test_champion_left_explains_who_and_when() -> None:
    [left] = champion(CHAMPION_LEFT, renewal_in=120)
    assert left.title == "Champion c-anna left"
    renewal = TODAY + timedelta(days=120)
    assert left.summary == (
        "Champion c-anna left on 2025-06-12; no champion named since. "
        f"Renewal on {renewal}, 120 days later."
    )
    assert [d.value for d in left.drivers] == ["c-anna", 120]


def test_champion_left_after_the_renewal_date_says_it_had_passed() -> None:
    [left] = champion(CHAMPION_LEFT, renewal_in=-5)
    renewal = TODAY - timedelta(days=5)
    assert left.summary.endswith(f"no champion named since. The renewal date {renewal} had passed.")


def test_people_are_named_by_name_once_known() -> None:
    anna = ContactState("c-anna", "champion", False, ago(3))
    names = {"c-anna": "Anna Berg"}
    [left] = holding(
        AlertRule.CHAMPION_LEFT,
        signals(contacts=(anna,), renewal_date=day_ago(-120), contact_names=names),
    )
    assert (left.title, left.person) == ("Champion Anna Berg left", "Anna Berg")
    assert left.summary.startswith("Champion Anna Berg left on 2025-06-12")
    assert [d.value for d in left.drivers] == ["c-anna", 120]  # the driver keeps the id
    account = signals(nps_responses=(NpsResponse("c-anna", 3, ago(1)),), contact_names=names)
    [low] = holding(AlertRule.NPS_DETRACTOR, account)
    assert low.title == "NPS detractor: 3/10 from Anna Berg"
    assert low.summary.startswith("Anna Berg answered NPS 3 on 2025-06-14")


def test_exec_sponsor_leaving_fires_too() -> None:
    [left] = champion(contact("c-ed", "exec_sponsor", False))
    assert left.title == "Exec sponsor c-ed left"


def test_no_alert_while_the_role_is_covered_or_for_other_roles() -> None:
    assert champion(CHAMPION_LEFT, contact("c-new", "champion", True)) == []
    assert champion(contact("c-u", "user", False), contact("c-d", "decision_maker", False)) == []


def test_champion_left_resolves_when_a_new_champion_is_named() -> None:
    assert_lifecycle(
        champion(CHAMPION_LEFT), champion(CHAMPION_LEFT, contact("c-new", "champion", True))
    )


def test_champion_left_escalates_when_the_renewal_comes_within_180_days() -> None:
    active = apply_changes({}, diff_alerts({}, champion(CHAMPION_LEFT, renewal_in=180), AS_OF))
    changes = diff_alerts(active, champion(CHAMPION_LEFT, renewal_in=179), AS_OF)
    assert [c.severity for c in changes.raised] == [Severity.CRITICAL]
    assert [r.reason for r in changes.resolved] == [ResolveReason.SUPERSEDED]


# support.escalation: an urgent ticket open, or a ticket escalated


def tickets(*open_tickets: OpenTicket) -> list[Condition]:
    return holding(AlertRule.SUPPORT_ESCALATION, signals(open_tickets=open_tickets))


def test_urgent_or_escalated_tickets_fire_one_alert_each() -> None:
    conditions = tickets(
        OpenTicket("T-1", "urgent", False, ago(2)),
        OpenTicket("T-2", "normal", True),
        OpenTicket("T-3", "high", False),
    )
    assert [c.dedup_key for c in conditions] == [
        f"support.escalation:{ACCOUNT}:T-1",
        f"support.escalation:{ACCOUNT}:T-2",
    ]
    assert conditions[0].title == "Ticket T-1 is urgent priority"
    assert conditions[0].summary == "Support ticket T-1 is urgent priority, open 2 days."
    assert conditions[1].title == "Ticket T-2 is escalated"


def test_no_escalation_without_urgent_or_escalated_tickets() -> None:
    assert tickets(OpenTicket("T-3", "high", False)) == []
    assert holding(AlertRule.SUPPORT_ESCALATION, signals(open_tickets=None)) == []


def test_escalation_resolves_when_the_ticket_closes() -> None:
    assert_lifecycle(
        tickets(OpenTicket("T-1", "urgent", True), OpenTicket("T-2", "low", True)),
        tickets(OpenTicket("T-2", "low", True)),  # T-1 closed
    )


# nps.detractor: an NPS ≤ 6; clears on a later NPS > 6 from that contact or after 90 days


def detractors(*responses: NpsResponse) -> list[Condition]:
    return holding(AlertRule.NPS_DETRACTOR, signals(nps_responses=responses))


def test_nps_of_6_is_a_detractor_and_7_is_not() -> None:
    [low] = detractors(NpsResponse("c-1", 6, ago(3)))
    assert low.dedup_key == f"nps.detractor:{ACCOUNT}:c-1"
    assert low.title == "NPS detractor: 6/10 from c-1"
    assert detractors(NpsResponse("c-1", 7, ago(3))) == []


def test_detractor_clears_with_a_later_higher_score_from_the_same_contact() -> None:
    low = NpsResponse("c-1", 3, ago(30))
    assert_lifecycle(detractors(low), detractors(low, NpsResponse("c-1", 9, ago(2))))
    # a promoter elsewhere in the account does not clear it
    assert len(detractors(low, NpsResponse("c-2", 10, ago(2)))) == 1
    # an older, higher score does not either
    assert len(detractors(NpsResponse("c-1", 9, ago(60)), low)) == 1


def test_detractor_clears_90_days_after_the_response() -> None:
    assert len(detractors(NpsResponse("c-1", 2, ago(89, 23)))) == 1
    assert_lifecycle(
        detractors(NpsResponse("c-1", 2, ago(89))), detractors(NpsResponse("c-1", 2, ago(90)))
    )


def test_detractor_threshold_is_a_setting() -> None:
    rules = alert_rules(nps_detractor={"max_score": 4})
    account = signals(nps_responses=(NpsResponse("c-1", 5, ago(1)),))
    assert holding(AlertRule.NPS_DETRACTOR, account, rules=rules) == []
