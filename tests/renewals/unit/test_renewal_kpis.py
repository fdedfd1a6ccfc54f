from datetime import date
from decimal import Decimal

import pytest
from renewals_factories import RULES, booked, make_term

from radar_renewals.domain.kpis import kpis, kpis_by_period
from radar_renewals.domain.terms import Cancellation, Term

Q1_START, Q1_END = date(2025, 1, 1), date(2025, 3, 31)


def q1_terms() -> list[Term]:
    return [
        # early: booked 61 days before the end; 100k → 120k (expansion 20k)
        booked(make_term(date(2025, 1, 31), subscription_id="t1"), date(2024, 12, 1), "120000"),
        # on time: 5 days before; 200k → 150k (contraction 50k)
        booked(
            make_term(date(2025, 2, 28), subscription_id="t2", arr=Decimal("200000")),
            date(2025, 2, 23),
            "150000",
        ),
        # late: 30 days after the end; 50k → 50k
        booked(
            make_term(date(2025, 1, 15), subscription_id="t3", arr=Decimal("50000")),
            date(2025, 2, 14),
            "50000",
        ),
        # churned: cancelled, 80k lost
        make_term(
            date(2025, 3, 15),
            subscription_id="t4",
            arr=Decimal("80000"),
            cancellation=Cancellation(date(2025, 3, 15), "budget"),
        ),
        # still open: ended 2025-03-31, unbooked, within tolerance on 2025-04-20
        make_term(date(2025, 3, 31), subscription_id="t5", arr=Decimal("70000"), segment="smb"),
        make_term(date(2025, 4, 30), subscription_id="outside"),
    ]


def test_kpis_on_a_hand_computed_quarter() -> None:
    (row,) = kpis(q1_terms(), date(2025, 4, 20), RULES, start=Q1_START, end=Q1_END)

    # start ARR = 100k + 200k + 50k + 80k = 430k (t5 is open: left out, reported apart)
    assert row.start_arr == Decimal("430000")
    assert (row.expansion_arr, row.contraction_arr, row.churned_arr) == (
        Decimal(20000),
        Decimal(50000),
        Decimal(80000),
    )
    # GRR = (430k − 50k − 80k) / 430k = 300/430
    assert row.grr == pytest.approx(300 / 430)
    # NRR = (430k + 20k − 50k − 80k) / 430k = 320/430
    assert row.nrr == pytest.approx(320 / 430)
    # 4 resolved: 1 early, 1 on time, 1 late, 1 churned
    assert (row.due_count, row.resolved_count, row.open_count) == (5, 4, 1)
    assert row.open_arr == Decimal(70000)
    assert row.on_time_rate == 0.5  # (early 1 + on time 1) / 4
    assert (row.early_rate, row.late_rate) == (0.25, 0.25)
    assert row.logo_retention == 0.75
    assert row.churned_count == 1


def test_open_terms_join_the_rates_once_resolved() -> None:
    # By 2025-07-01 t5 is 92 days past its end, unbooked: churned (70k)
    (row,) = kpis(q1_terms(), date(2025, 7, 1), RULES, start=Q1_START, end=Q1_END)

    assert (row.resolved_count, row.open_count, row.churned_count) == (5, 0, 2)
    # GRR = (500k − 50k − 150k) / 500k = 0.6
    assert row.grr == pytest.approx(0.6)
    assert row.on_time_rate == pytest.approx(2 / 5)


def test_rates_are_none_while_nothing_is_resolved() -> None:
    (row,) = kpis(
        [make_term(date(2025, 3, 31))], date(2025, 1, 1), RULES, start=Q1_START, end=Q1_END
    )

    assert (row.due_count, row.open_count) == (1, 1)
    assert (row.on_time_rate, row.grr, row.nrr, row.logo_retention) == (None, None, None, None)


def test_kpis_grouped_by_segment_add_up() -> None:
    rows = kpis(q1_terms(), date(2025, 4, 20), RULES, by="segment", start=Q1_START, end=Q1_END)

    assert [(row.group, row.due_count, row.open_count) for row in rows] == [
        ("smb", 1, 1),
        ("unknown", 4, 0),
    ]


def test_kpis_by_month() -> None:
    months = kpis_by_period(q1_terms(), date(2025, 4, 20), RULES, start=Q1_START, end=Q1_END)

    assert [(m.period_label, m.kpis.due_count, m.kpis.on_time_rate) for m in months] == [
        ("2025-01", 2, 0.5),  # t1 early, t3 late
        ("2025-02", 1, 1.0),  # t2 on time
        ("2025-03", 2, 0.0),  # t4 churned, t5 open
    ]
