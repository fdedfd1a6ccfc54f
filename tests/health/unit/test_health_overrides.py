from datetime import timedelta

import pytest
from health_factories import AS_OF, ago, health

from radar_health.domain.overrides import HealthSource, Override, effective_health
from radar_schemas.common import Band

EXPIRES = AS_OF + timedelta(days=14)


def override(**fields: object) -> Override:
    values: dict[str, object] = {
        "reason": "Exec sponsor confirmed renewal in QBR",
        "author": "ana@example.com",
        "expires_at": EXPIRES,
    }
    return Override(**(values | fields))  # type: ignore[arg-type]


def test_score_override_wins_and_its_band_follows_the_thresholds() -> None:
    computed = health(35.0)
    shown = effective_health(computed, override(score=75.0), AS_OF)
    assert (shown.score, shown.band, shown.source) == (75.0, Band.GREEN, HealthSource.OVERRIDE)
    assert shown.is_overridden
    assert (shown.computed.score, shown.computed.band) == (35.0, Band.RED)


def test_band_only_override_keeps_the_computed_score() -> None:
    shown = effective_health(health(35.0), override(band=Band.YELLOW), AS_OF)
    assert (shown.score, shown.band) == (35.0, Band.YELLOW)


def test_score_and_band_override_are_shown_as_given() -> None:
    shown = effective_health(health(35.0), override(score=65.0, band=Band.GREEN), AS_OF)
    assert (shown.score, shown.band) == (65.0, Band.GREEN)


def test_override_survives_a_recompute_until_it_expires() -> None:
    manual = override(score=80.0)
    for computed_score in (30.0, 55.0, 90.0):
        shown = effective_health(health(computed_score), manual, EXPIRES - timedelta(seconds=1))
        assert shown.score == 80.0
        assert shown.computed.score == computed_score


def test_expired_override_gives_way_to_the_computed_score_and_is_reported() -> None:
    manual = override(score=80.0)
    shown = effective_health(health(35.0), manual, EXPIRES)
    assert (shown.score, shown.band, shown.source) == (35.0, Band.RED, HealthSource.COMPUTED)
    assert shown.override is None
    assert shown.expired_override == manual


def test_no_override_shows_the_computed_score() -> None:
    shown = effective_health(health(55.0), None, AS_OF)
    assert (shown.score, shown.band, shown.expired_override) == (55.0, Band.YELLOW, None)


def test_override_of_an_unscored_account() -> None:
    shown = effective_health(health(None), override(band=Band.GREEN), AS_OF)
    assert (shown.score, shown.band) == (None, Band.GREEN)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "sets a score, a band or both"),
        ({"score": 101.0}, "within 0–100"),
        ({"score": 50.0, "reason": "  "}, "needs a reason"),
        ({"score": 50.0, "author": ""}, "needs an author"),
        ({"score": 50.0, "expires_at": ago(0).replace(tzinfo=None)}, "timezone-aware"),
    ],
)
def test_invalid_overrides_are_rejected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        override(**fields)
