"""What changed between two computations: the measures that moved, largest first, and
those that gained or lost their data, with why."""

from __future__ import annotations

from datetime import UTC, datetime

from radar_health.domain.bands import BandThresholds
from radar_health.domain.changes import measure_moves
from radar_health.domain.scorecard import Measure
from radar_health.domain.scoring import Component, HealthScore, MissingMeasure

AT = datetime(2026, 12, 1, tzinfo=UTC)


def component(measure: Measure, raw: float, sub: float) -> Component:
    return Component(measure, raw, sub, 20.0, 20.0, f"{measure} is {raw}")


def health(*components: Component, missing: tuple[MissingMeasure, ...] = ()) -> HealthScore:
    return HealthScore(
        "a", AT, 50.0, None, components, missing, "default", BandThresholds(green=70, yellow=40)
    )


def test_moves_are_largest_first_and_unmoved_measures_are_left_out():
    before = health(
        component(Measure.USAGE_TREND, -0.1, 60.0),
        component(Measure.SATISFACTION, 9.0, 90.0),
        component(Measure.SUPPORT_LOAD, 1.0, 80.0),
        component(Measure.RELATIONSHIP, 2.0, 100.0),
    )
    after = health(
        component(Measure.USAGE_TREND, -0.5, 20.0),
        component(Measure.SATISFACTION, 2.0, 25.0),
        component(Measure.SUPPORT_LOAD, 1.0, 80.0),
        component(Measure.ENGAGEMENT_RECENCY, 3.0, 95.0),
        missing=(MissingMeasure(Measure.RELATIONSHIP, "no contacts known"),),
    )
    moves = measure_moves(before, after)
    assert [m.measure for m in moves] == [
        "satisfaction",
        "usage_trend",
        "engagement_recency",
        "relationship",
    ]
    assert moves[0].sub_score_change == -65.0
    assert (moves[0].before.raw_value, moves[0].after.raw_value) == (9.0, 2.0)
    gone = moves[-1]
    assert gone.after is None and gone.after_missing == "no contacts known"
    assert gone.sub_score_change is None


def test_a_value_move_counts_even_when_the_sub_score_holds():
    before = health(component(Measure.LICENSE_UTILIZATION, 0.95, 100.0))
    after = health(component(Measure.LICENSE_UTILIZATION, 1.2, 100.0))
    (move,) = measure_moves(before, after)
    assert move.sub_score_change == 0.0
    assert measure_moves(before, before) == []
