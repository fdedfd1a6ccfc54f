"""Per-key quotas: a token bucket of events per second with a burst, per API key.

A request takes as many tokens as it carries events. It passes when the bucket holds
that many, or is full: a batch larger than the burst still gets through once the bucket
is full, leaving it in debt, and the debt is paid back at the key's rate before the next
request passes. So a sender is never stuck, and over time no key sends more than its
rate. Pure: the caller passes the time (monotonic seconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Quota:
    rate: float  # events per second
    burst: float  # the most a key may send at once after a pause


@dataclass
class _Bucket:
    tokens: float
    at: float


class Quotas:
    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}

    def take(self, holder: str, quota: Quota, events: int, now: float) -> float | None:
        """Take `events` tokens for `holder`; None when granted, else the seconds to wait."""
        bucket = self._buckets.get(holder)
        if bucket is None:
            bucket = self._buckets[holder] = _Bucket(quota.burst, now)
        bucket.tokens = min(quota.burst, bucket.tokens + (now - bucket.at) * quota.rate)
        bucket.at = now
        needed = min(events, quota.burst)
        if bucket.tokens < needed:
            return (needed - bucket.tokens) / quota.rate
        bucket.tokens -= events
        return None

    def forget_except(self, holders: set[str]) -> None:
        """Drop the buckets of keys no longer configured."""
        for holder in set(self._buckets) - holders:
            del self._buckets[holder]


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
