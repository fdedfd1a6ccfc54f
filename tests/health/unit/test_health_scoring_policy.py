import pytest
from health_factories import health

from radar_health.domain.scoring_policy import should_emit_scored
from radar_schemas.common import Band


@pytest.mark.parametrize(
    ("before", "after", "emit"),
    [
        (None, 55.0, True),  # first score
        (55.0, 56.0, True),  # moved exactly 1 point
        (55.0, 54.0, True),
        (55.0, 55.9, False),
        (70.3, 71.2, False),  # 0.9
        (70.0, 69.9, True),  # band changed green → yellow
        (40.0, 39.9, True),
    ],
)
def test_emit_when_score_moved_a_point_or_band_changed(
    before: float | None, after: float, emit: bool
) -> None:
    previous = None if before is None else health(before)
    assert should_emit_scored(previous, health(after)) is emit


def test_an_unscored_result_is_never_emitted_and_the_next_score_is() -> None:
    assert not should_emit_scored(health(60.0), health(None))
    assert not should_emit_scored(None, health(None))
    assert should_emit_scored(health(None), health(60.0))


def test_band_change_without_score_change_is_emitted() -> None:
    assert should_emit_scored(health(60.0, Band.YELLOW), health(60.0, Band.GREEN))


def test_minimum_change_is_adjustable() -> None:
    assert not should_emit_scored(health(50.0), health(52.0), min_score_change=5)
