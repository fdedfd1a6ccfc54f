"""Per-key quotas: a token bucket with bursts that never leaves a sender stuck."""

from __future__ import annotations

import pytest

from radar_ingest.domain.quotas import Quota, Quotas, retry_after_header

QUOTA = Quota(rate=10.0, burst=20.0)


def test_a_burst_passes_then_the_rate_holds() -> None:
    quotas = Quotas()
    assert quotas.take("k", QUOTA, 20, now=0.0) is None
    wait = quotas.take("k", QUOTA, 1, now=0.0)
    assert wait == pytest.approx(0.1)
    # Half a second later, five tokens have come back.
    assert quotas.take("k", QUOTA, 5, now=0.5) is None
    assert quotas.take("k", QUOTA, 1, now=0.5) is not None


def test_a_request_larger_than_the_burst_passes_once_and_is_paid_back() -> None:
    quotas = Quotas()
    assert quotas.take("k", QUOTA, 50, now=0.0) is None  # 30 in debt
    wait = quotas.take("k", QUOTA, 1, now=1.0)  # 20 in debt after a second
    assert wait == pytest.approx(2.1)
    assert quotas.take("k", QUOTA, 1, now=3.2) is None
    # Another large one waits for a full bucket, never for more.
    assert quotas.take("k", QUOTA, 50, now=3.2) == pytest.approx(1.9)


def test_keys_have_their_own_buckets() -> None:
    quotas = Quotas()
    assert quotas.take("a", QUOTA, 20, now=0.0) is None
    assert quotas.take("b", QUOTA, 20, now=0.0) is None
    assert quotas.take("a", QUOTA, 1, now=0.0) is not None


def test_forgotten_keys_lose_their_buckets() -> None:
    quotas = Quotas()
    quotas.take("a", QUOTA, 20, now=0.0)
    quotas.forget_except({"b"})
    assert quotas.take("a", QUOTA, 20, now=0.0) is None


@pytest.mark.parametrize(("seconds", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (30.0, "30")])
def test_retry_after_is_whole_seconds_rounded_up(seconds: float, header: str) -> None:
    assert retry_after_header(seconds) == header
