from __future__ import annotations

import random
from datetime import timedelta

import pytest
from notifier_factories import T0, config

from radar_notifier.domain.retry import (
    Outcome,
    backoff_ceiling,
    backoff_delay,
    classify_http_status,
    classify_smtp_reply,
    next_attempt_at,
)

POLICY = config().retry  # shipped: 8 attempts, base 2 s, factor 2, cap 10 min, full jitter
NO_JITTER = POLICY.model_copy(update={"jitter": "none"})


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


def test_schedule_without_jitter_is_exponential_monotone_and_capped() -> None:
    delays = [
        next_attempt_at(n, T0, NO_JITTER, FixedRandom(0.5)) for n in range(1, POLICY.max_attempts)
    ]
    seconds = [(at - T0).total_seconds() for at in delays if at is not None]
    assert seconds == [2, 4, 8, 16, 32, 64, 128]
    long_policy = POLICY.model_copy(update={"jitter": "none", "max_attempts": 20})
    ceilings = [backoff_ceiling(n, long_policy) for n in range(1, 20)]
    assert ceilings == sorted(ceilings)
    assert ceilings[-1] == timedelta(minutes=10)
    assert backoff_ceiling(10_000, long_policy) == timedelta(minutes=10)


def test_full_jitter_stays_within_zero_and_ceiling() -> None:
    rng = random.Random(7)
    for attempt in range(1, 30):
        delay = backoff_delay(attempt, POLICY, rng)
        assert timedelta(0) <= delay <= backoff_ceiling(attempt, POLICY)
    assert backoff_delay(3, POLICY, FixedRandom(0.0)) == timedelta(0)


def test_equal_jitter_keeps_at_least_half_the_ceiling() -> None:
    policy = POLICY.model_copy(update={"jitter": "equal"})
    assert backoff_delay(3, policy, FixedRandom(0.0)) == timedelta(seconds=4)
    assert backoff_delay(3, policy, FixedRandom(0.999)) < timedelta(seconds=8)
    assert backoff_delay(3, policy, FixedRandom(0.999)) > timedelta(seconds=7.9)


def test_exhaustion_returns_none() -> None:
    assert next_attempt_at(POLICY.max_attempts - 1, T0, POLICY, FixedRandom(0.5)) is not None
    assert next_attempt_at(POLICY.max_attempts, T0, POLICY, FixedRandom(0.5)) is None
    assert (
        next_attempt_at(1, T0, POLICY.model_copy(update={"max_attempts": 1}), FixedRandom(0.5))
        is None
    )


def test_retry_after_wins_when_longer() -> None:
    at = next_attempt_at(1, T0, NO_JITTER, FixedRandom(0.5), retry_after=30)
    assert at == T0 + timedelta(seconds=30)


def test_retry_after_shorter_than_backoff_is_ignored() -> None:
    at = next_attempt_at(5, T0, NO_JITTER, FixedRandom(0.5), retry_after=1)
    assert at == T0 + timedelta(seconds=32)


def test_retry_after_is_bounded_and_nonsense_ignored() -> None:
    huge = next_attempt_at(1, T0, NO_JITTER, FixedRandom(0.5), retry_after=10**12)
    assert huge == T0 + timedelta(hours=1)
    negative = next_attempt_at(1, T0, NO_JITTER, FixedRandom(0.5), retry_after=-5)
    assert negative == T0 + timedelta(seconds=2)


def test_retry_after_does_not_extend_past_the_last_attempt() -> None:
    assert next_attempt_at(8, T0, POLICY, FixedRandom(0.5), retry_after=30) is None


def test_attempt_numbers_start_at_one() -> None:
    with pytest.raises(ValueError):
        backoff_ceiling(0, POLICY)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (408, Outcome.RETRY),
        (400, Outcome.PERMANENT_FAILURE),
        (404, Outcome.PERMANENT_FAILURE),
        (410, Outcome.PERMANENT_FAILURE),
        (302, Outcome.PERMANENT_FAILURE),
    ],
)
def test_http_status_classification(status: int, outcome: Outcome) -> None:
    assert classify_http_status(status) is outcome


def test_smtp_reply_classification() -> None:
    assert classify_smtp_reply(250) is Outcome.DELIVERED
    assert classify_smtp_reply(451) is Outcome.RETRY
    assert classify_smtp_reply(550) is Outcome.PERMANENT_FAILURE
