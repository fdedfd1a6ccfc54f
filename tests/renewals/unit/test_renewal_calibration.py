import random
from decimal import Decimal
from itertools import pairwise

import pytest
from renewals_factories import RULES

from radar_renewals.domain.calibration import (
    Calibration,
    NotEnoughSamples,
    expected_arr,
    fit_calibration,
)

DEFAULT = RULES.calibration.curve()


def is_non_increasing(curve: Calibration) -> bool:
    values = [curve.p_renew(score / 2) for score in range(201)]
    return all(later <= earlier for earlier, later in pairwise(values))


def test_default_curve_spans_095_to_020_and_never_rises() -> None:
    assert DEFAULT.p_renew(0) == 0.95
    assert DEFAULT.p_renew(100) == 0.2
    assert DEFAULT.p_renew(45) == pytest.approx(0.725)  # halfway from 0.85 (30) to 0.60 (60)
    assert DEFAULT.p_renew(-5) == 0.95  # flat outside the knots
    assert is_non_increasing(DEFAULT)


@pytest.mark.parametrize(
    ("knots", "reason"),
    [
        ((), "at least one knot"),
        (((0, 0.9), (0, 0.8)), "risk scores must increase"),
        (((0, 0.5), (100, 0.6)), "must not increase with risk"),
        (((0, 1.5),), "within 0..1"),
        (((120, 0.5),), "within 0..100"),
    ],
)
def test_invalid_knots_are_rejected(knots: tuple[tuple[float, float], ...], reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        Calibration(knots)


def test_expected_arr_is_arr_times_p_renew_to_the_cent() -> None:
    assert expected_arr(Decimal("120000"), 0.725) == Decimal("87000.00")
    assert expected_arr(Decimal("999.99"), 1 / 3) == Decimal("333.33")


def test_fit_pools_violators_into_a_non_increasing_curve() -> None:
    # Risk 10: 9 of 10 renewed; risk 20: 10 of 10 (violates: higher risk, higher rate);
    # risk 80: 2 of 10. Pooling 10 and 20 gives 19/20 = 0.95, clipped to at most 0.98.
    samples = (
        [(10.0, True)] * 9
        + [(10.0, False)]
        + [(20.0, True)] * 10
        + [(80.0, True)] * 2
        + [(80.0, False)] * 8
    )

    curve = fit_calibration(samples)

    assert curve.p_renew(0) == pytest.approx(0.95)
    assert curve.p_renew(15) == pytest.approx(0.95)
    assert curve.p_renew(50) == pytest.approx(0.95 + (0.2 - 0.95) * 30 / 60)
    assert curve.p_renew(100) == pytest.approx(0.2)


def test_fit_recovers_a_noisy_decreasing_relation() -> None:
    rng = random.Random(7)
    samples = []
    for _ in range(2000):
        score = rng.uniform(0, 100)
        samples.append((score, rng.random() < 0.95 - 0.007 * score))

    curve = fit_calibration(samples)

    assert is_non_increasing(curve)
    assert curve.p_renew(10) == pytest.approx(0.88, abs=0.08)
    assert curve.p_renew(90) == pytest.approx(0.32, abs=0.08)
    assert curve.p_renew(100) >= 0.02
    assert curve.p_renew(0) <= 0.98


def test_fit_refuses_too_few_or_one_sided_samples() -> None:
    with pytest.raises(NotEnoughSamples, match="got 10"):
        fit_calibration([(50.0, True)] * 5 + [(60.0, False)] * 5)
    with pytest.raises(NotEnoughSamples, match="40 renewed, 0 churned"):
        fit_calibration([(50.0, True)] * 40)
