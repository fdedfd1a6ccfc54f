import pytest
from health_factories import (
    AS_OF,
    ago,
    card_with,
    default_card,
    default_rules,
    rules_with,
    signals,
    usage_days,
)

from radar_health.domain.scorecard import Measure
from radar_health.domain.scoring import compute_health
from radar_health.domain.signals import AccountSignals, ContactState, NpsResponse
from radar_schemas.common import Band

CHAMPION = ContactState("champ", "champion", True, ago(100))
SPONSOR = ContactState("exec", "exec_sponsor", True, ago(100))


def full_signals() -> AccountSignals:
    """Every measure has data; sub-scores 100, 50, 100, 100, 100, 70."""
    return signals(
        daily_active_usage=usage_days(660, 600),
        distinct_active_users=50,
        seats=100,
        open_tickets=(),
        nps_responses=(NpsResponse("c1", 9, ago(5)),),
        last_engagement_at=ago(3),
        contacts=(CHAMPION,),
    )


def test_weighted_score_with_every_measure() -> None:
    result = compute_health(full_signals(), default_card(), AS_OF)
    # (100·25 + 50·20 + 100·15 + 100·15 + 100·15 + 70·10) / 100
    assert result.score == 87.0
    assert result.band is Band.GREEN
    assert result.missing == ()
    assert [c.measure for c in result.components] == list(Measure)
    assert [c.weight for c in result.components] == [25, 20, 15, 15, 15, 10]
    assert result.scorecard == "default"


def test_missing_measures_are_left_out_and_their_weight_shared() -> None:
    account = signals(daily_active_usage=usage_days(660, 600), contacts=(CHAMPION,))
    result = compute_health(account, default_card(), AS_OF)
    assert result.score == pytest.approx((100 * 25 + 70 * 10) / 35, abs=0.05)
    assert result.score == 91.4
    usage, relationship = result.components
    assert (usage.weight, usage.configured_weight) == (71.43, 25)
    assert (relationship.weight, relationship.configured_weight) == (28.57, 10)
    assert result.missing_measures == (
        Measure.LICENSE_UTILIZATION,
        Measure.SUPPORT_LOAD,
        Measure.SATISFACTION,
        Measure.ENGAGEMENT_RECENCY,
    )
    assert all(item.reason for item in result.missing)


def test_all_measures_missing_gives_an_unscored_result() -> None:
    result = compute_health(signals(), default_card(), AS_OF)
    assert result.score is None
    assert result.band is None
    assert not result.is_scored
    assert result.components == ()
    assert result.missing_measures == tuple(Measure)


def test_zero_weight_switches_a_measure_off_without_calling_it_missing() -> None:
    card = card_with(weights={"relationship": 0})
    result = compute_health(signals(contacts=(CHAMPION,), last_engagement_at=ago(3)), card, AS_OF)
    assert result.component(Measure.RELATIONSHIP) is None
    assert Measure.RELATIONSHIP not in result.missing_measures
    assert result.score == 100.0


def test_only_zero_weight_measures_with_data_is_unscored() -> None:
    card = card_with(weights={"relationship": 0})
    assert compute_health(signals(contacts=(CHAMPION,)), card, AS_OF).score is None


def relationship_only(level: float) -> tuple[float | None, Band | None]:
    card = card_with(
        weights={m.value: int(m is Measure.RELATIONSHIP) for m in Measure},
        relationship={"levels": {"champion_only": level}},
    )
    result = compute_health(signals(contacts=(CHAMPION,)), card, AS_OF)
    return result.score, result.band


@pytest.mark.parametrize(
    ("level", "score", "band"),
    [
        (70.0, 70.0, Band.GREEN),
        (69.9, 69.9, Band.YELLOW),
        (40.0, 40.0, Band.YELLOW),
        (39.9, 39.9, Band.RED),
        (69.96, 70.0, Band.GREEN),  # the band follows the rounded, shown score
        (100.0, 100.0, Band.GREEN),
        (0.0, 0.0, Band.RED),
    ],
)
def test_band_boundaries(level: float, score: float, band: Band) -> None:
    assert relationship_only(level) == (score, band)


def test_band_thresholds_are_settings() -> None:
    bands = card_with(bands={"green": 80, "yellow": 50}).bands
    assert [bands.band_for(s) for s in (80, 79.9, 50, 49.9)] == [
        Band.GREEN,
        Band.YELLOW,
        Band.YELLOW,
        Band.RED,
    ]


def test_segment_scorecard_changes_weights_and_keeps_other_settings() -> None:
    rules = rules_with(
        {"scorecard": {"enterprise": {"weights": {"usage_trend": 0, "relationship": 90}}}}
    )
    enterprise = rules.scorecard.for_segment("enterprise")
    assert enterprise.name == "enterprise"
    assert enterprise.weights.of(Measure.RELATIONSHIP) == 90
    assert enterprise.weights.of(Measure.LICENSE_UTILIZATION) == 20
    assert enterprise.bands == rules.scorecard.bands
    assert enterprise.support_load == rules.scorecard.support_load

    account = full_signals()
    default_result = compute_health(account, rules.scorecard.for_segment(None), AS_OF)
    enterprise_result = compute_health(account, enterprise, AS_OF)
    assert default_result.score == 87.0
    # (50·20 + 100·15·3 + 70·90) / 155
    assert enterprise_result.score == pytest.approx((1000 + 4500 + 6300) / 155, abs=0.05)
    assert enterprise_result.scorecard == "enterprise"
    assert enterprise_result.component(Measure.USAGE_TREND) is None


def test_segments_without_their_own_settings_use_the_defaults() -> None:
    rules = default_rules()
    assert rules.scorecard.for_segment("smb").weights == rules.scorecard.weights
    assert rules.scorecard.for_segment(None).name == "default"
    assert rules.scorecard.for_segment("unknown-segment").name == "default"


def test_components_explain_with_numbers() -> None:
    result = compute_health(full_signals(), default_card(), AS_OF)
    explanations = {c.measure: c.explanation for c in result.components}
    assert explanations[Measure.USAGE_TREND] == (
        "Active usage 660 in the last 30 days vs 600 before (+10 %)"
    )
    assert explanations[Measure.SUPPORT_LOAD] == "No open tickets"
    assert explanations[Measure.RELATIONSHIP] == "Champion present, no exec sponsor"


def test_naive_as_of_is_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_health(signals(), default_card(), AS_OF.replace(tzinfo=None))
