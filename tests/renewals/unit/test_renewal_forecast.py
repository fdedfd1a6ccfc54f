from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from renewals_factories import RULES, booked, make_term

from radar_renewals.domain.forecast import ForecastRow, combine, forecast
from radar_renewals.domain.grouping import GroupBy
from radar_renewals.domain.terms import Cancellation, HealthSnapshot, Opportunity, State, Term

TODAY = date(2025, 3, 20)


def hand_terms() -> list[Term]:
    return [
        # on time (booked 9 days before the end), rebooked at 120k
        booked(make_term(date(2025, 3, 10), subscription_id="a"), date(2025, 3, 1), "120000"),
        make_term(
            date(2025, 3, 15),
            subscription_id="b",
            arr=Decimal("50000"),
            cancellation=Cancellation(date(2025, 3, 15), "budget"),
        ),
        # healthy and committed: risk 25 − 15 (health 90) − 15 (commit) → 0, p_renew 0.95
        make_term(
            date(2025, 3, 31),
            subscription_id="c",
            arr=Decimal("200000"),
            health=HealthSnapshot(90, "green"),
            opportunity=Opportunity("verbal commit", "commit", amount=Decimal("210000")),
        ),
        # risk 25 + 20 (health 20) + 15 (champion) + 14.2 (no deal 26 days out) = 74.2, high;
        # p_renew = 0.6 − 0.4 × 14.2/40 = 0.458
        make_term(
            date(2025, 4, 15),
            subscription_id="d",
            arr=Decimal("80000"),
            health=HealthSnapshot(20, "red"),
            champion_lost=True,
        ),
        make_term(date(2025, 6, 1), subscription_id="outside"),
    ]


def test_forecast_by_month_on_a_hand_example() -> None:
    march, april = forecast(
        hand_terms(), TODAY, RULES, start=date(2025, 3, 1), end=date(2025, 4, 30)
    )

    assert (march.period_label, march.due_count, march.due_arr) == ("2025-03", 3, Decimal(350000))
    assert (march.booked_count, march.booked_arr) == (1, Decimal(120000))
    assert (march.churned_count, march.churned_arr) == (1, Decimal(50000))
    assert (march.open_count, march.open_arr) == (1, Decimal(200000))
    assert march.expected_arr == Decimal("310000.00")  # 120,000 booked + 0 + 200,000 × 0.95
    assert march.commit_arr == Decimal(210000)
    assert march.best_case_arr == march.pipeline_arr == Decimal(0)
    assert march.at_risk_arr == 0
    assert march.state_counts == {
        State.RENEWED_ON_TIME: 1,
        State.CHURNED: 1,
        State.IN_WINDOW: 1,
    }
    assert april.expected_arr == Decimal("36640.00")  # 80,000 × 0.458
    assert (april.at_risk_count, april.at_risk_arr) == (1, Decimal(80000))


def test_forecast_lists_empty_periods_and_labels_quarters() -> None:
    rows = forecast(
        hand_terms(), TODAY, RULES, start=date(2025, 1, 1), end=date(2025, 9, 30), period="quarter"
    )

    assert [(row.period_label, row.due_count) for row in rows] == [
        ("2025-Q1", 3),
        ("2025-Q2", 2),
        ("2025-Q3", 0),
    ]


def test_grouped_rows_cover_every_period_and_group() -> None:
    terms = [
        make_term(date(2025, 3, 31), subscription_id="x", segment="smb"),
        make_term(date(2025, 4, 30), subscription_id="y", segment=None),
    ]

    rows = forecast(
        terms, TODAY, RULES, start=date(2025, 3, 1), end=date(2025, 4, 30), by="segment"
    )

    assert [(row.period_label, row.group, row.due_count) for row in rows] == [
        ("2025-03", "smb", 1),
        ("2025-03", "unknown", 0),
        ("2025-04", "smb", 0),
        ("2025-04", "unknown", 1),
    ]


def figures(row: ForecastRow) -> dict[str, Any]:
    values = asdict(row)
    for label in ("period_start", "period_label", "group"):
        values.pop(label)
    return values


dates_in_2025 = st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def terms(draw: st.DrawFn) -> Term:
    end = draw(dates_in_2025)
    term = make_term(
        end,
        subscription_id=draw(st.uuids()).hex,
        arr=Decimal(draw(st.integers(min_value=0, max_value=500_000))),
        segment=draw(st.sampled_from([None, "smb", "mid_market", "enterprise"])),
        region=draw(st.sampled_from([None, "amer", "emea", "apac"])),
        owner=draw(st.sampled_from([None, "ana", "bo"])),
        health=draw(st.none() | st.builds(HealthSnapshot, st.floats(0, 100), st.just("x"))),
        opportunity=draw(
            st.none()
            | st.builds(
                Opportunity,
                st.sampled_from(["proposal", "discovery"]),
                st.sampled_from(["commit", "best_case", "pipeline", "omitted", "closed"]),
            )
        ),
    )
    outcome = draw(st.sampled_from(["open", "booked", "cancelled"]))
    if outcome == "booked":
        return booked(term, draw(dates_in_2025), str(draw(st.integers(0, 500_000))))
    if outcome == "cancelled":
        return make_term(end, subscription_id=term.subscription_id, cancellation=Cancellation(end))
    return term


@settings(max_examples=60, deadline=None)
@given(
    some_terms=st.lists(terms(), min_size=1, max_size=25),
    by=st.sampled_from(["segment", "region", "owner"]),
    today=dates_in_2025,
)
def test_forecast_totals_are_invariant_under_grouping(
    some_terms: list[Term], by: GroupBy, today: date
) -> None:
    start, end = date(2025, 1, 1), date(2025, 12, 31)
    ungrouped = forecast(some_terms, today, RULES, start=start, end=end)
    grouped = forecast(some_terms, today, RULES, start=start, end=end, by=by)

    for row in ungrouped:
        same_period = [g for g in grouped if g.period_start == row.period_start]
        assert figures(combine(same_period)) == figures(row)
    total = combine(ungrouped)
    assert total.due_count == len(some_terms)
    assert total.due_arr == sum(term.arr for term in some_terms)
    assert total.booked_count + total.churned_count + total.open_count == total.due_count
    assert figures(combine(grouped)) == figures(total)
