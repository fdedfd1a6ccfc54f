import pytest

from radar_renewals.domain.backtest import (
    Prediction,
    auc,
    brier,
    calibration_table,
    outcome_of,
    run_backtest,
)
from radar_renewals.domain.terms import State


def test_auc_perfect_inverse_and_ties() -> None:
    churned = [False, False, True, True]

    assert auc([10, 20, 80, 90], churned) == 1.0
    assert auc([90, 80, 20, 10], churned) == 0.0
    assert auc([50, 50, 50, 50], churned) == 0.5


def test_auc_on_a_mixed_hand_case() -> None:
    # churned scores {2, 4} vs renewed {1, 3}: pairs 2>1, 2<3, 4>1, 4>3 → 3 of 4
    assert auc([1, 2, 3, 4], [False, True, False, True]) == 0.75
    # one tie (3 vs 3) counts half: pairs 3>1 and 3=3 → 1.5 of 2
    assert auc([1, 3, 3], [False, False, True]) == 0.75


def test_auc_needs_both_outcomes() -> None:
    assert auc([1, 2], [True, True]) is None
    with pytest.raises(ValueError, match="lengths differ"):
        auc([1, 2], [True])


def test_brier_score() -> None:
    assert brier([1.0, 0.0], [True, False]) == 0.0
    # (0.9 − 1)² = 0.01 and (0.2 − 0)² = 0.04 → mean 0.025
    assert brier([0.9, 0.2], [True, False]) == pytest.approx(0.025)
    with pytest.raises(ValueError):
        brier([], [])


def test_calibration_table_bins_by_predicted_probability() -> None:
    probabilities = [0.05, 0.15, 0.95, 0.91, 1.0]
    renewed = [False, False, True, False, True]

    table = calibration_table(probabilities, renewed, bins=10)

    assert len(table) == 10
    assert [row.count for row in table] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    top = table[-1]
    assert top.mean_predicted == pytest.approx((0.95 + 0.91 + 1.0) / 3)
    assert top.observed_rate == pytest.approx(2 / 3)
    assert table[4].mean_predicted is None


def test_run_backtest_reports_and_prints_a_table() -> None:
    predictions = [
        Prediction(10, 0.9, True),
        Prediction(20, 0.85, True),
        Prediction(70, 0.4, False),
        Prediction(65, 0.45, True),
    ]

    report = run_backtest(predictions)
    text = report.to_text()

    assert (report.count, report.churned, report.auc) == (4, 1, 1.0)
    assert "AUC: 1.000" in text
    assert "0.8–0.9" in text
    assert len(text.splitlines()) == 12  # summary, header, 10 bins


def test_outcome_of_states() -> None:
    assert outcome_of(State.RENEWED_LATE) is True
    assert outcome_of(State.CHURNED) is False
    assert outcome_of(State.OVERDUE) is None
