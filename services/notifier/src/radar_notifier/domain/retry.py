"""When to try a failed delivery again: capped exponential backoff with jitter."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radar_notifier.domain.durations import Duration, PositiveDuration


class RetryPolicy(BaseModel):
    """The rule file's `[retry]`: capped exponential backoff with jitter."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_attempts: Annotated[int, Field(ge=1, le=100)]
    base_delay: PositiveDuration
    factor: Annotated[float, Field(ge=1.0, le=10.0)]
    max_delay: PositiveDuration
    jitter: Literal["full", "equal", "none"]
    # A server's Retry-After is honoured up to this, so a bogus value cannot park a
    # delivery for days.
    max_retry_after: Duration

    @model_validator(mode="after")
    def _cap_not_below_base(self) -> RetryPolicy:
        if self.max_delay < self.base_delay:
            raise ValueError("max_delay must not be smaller than base_delay")
        return self


class RandomSource(Protocol):
    """What the jitter needs; `random.Random` fits, and tests pass a seeded one."""

    def random(self) -> float: ...


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PERMANENT_FAILURE = "permanent_failure"


def backoff_ceiling(attempt: int, policy: RetryPolicy) -> timedelta:
    """The largest delay after failed attempt number `attempt` (1-based), before jitter."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    base = policy.base_delay.total_seconds()
    cap = policy.max_delay.total_seconds()
    # Compare exponents before computing the power, so attempt 100 cannot overflow.
    seconds = cap if attempt - 1 > 64 else min(cap, base * policy.factor ** (attempt - 1))
    return timedelta(seconds=seconds)


def backoff_delay(attempt: int, policy: RetryPolicy, rng: RandomSource) -> timedelta:
    """The jittered delay after failed attempt `attempt`; always within [0, max_delay]."""
    ceiling = backoff_ceiling(attempt, policy)
    if policy.jitter == "full":
        return ceiling * rng.random()
    if policy.jitter == "equal":
        return ceiling / 2 + (ceiling / 2) * rng.random()
    return ceiling


def next_attempt_at(
    attempt: int,
    now: datetime,
    policy: RetryPolicy,
    rng: RandomSource,
    retry_after: float | None = None,
) -> datetime | None:
    """When to make attempt `attempt + 1`, or None when `attempt` was the last (→ failed).

    `retry_after` is the server's Retry-After in seconds (Slack sends it with 429);
    it wins when longer than the computed delay, up to `policy.max_retry_after`.
    """
    if attempt >= policy.max_attempts:
        return None
    delay = backoff_delay(attempt, policy, rng)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(timedelta(seconds=retry_after), policy.max_retry_after))
    return now + delay


def classify_http_status(status: int) -> Outcome:
    """Slack webhook answers: 2xx delivered; 429, 408 and 5xx retried; other 4xx final.

    A 4xx from Slack (invalid_payload, channel_not_found, channel_is_archived,
    action_prohibited) will not change by retrying.
    """
    if 200 <= status < 300:
        return Outcome.DELIVERED
    if status in (408, 429) or status >= 500:
        return Outcome.RETRY
    return Outcome.PERMANENT_FAILURE


def classify_smtp_reply(code: int) -> Outcome:
    """SMTP replies: 2xx accepted, 4xx transient (retry), 5xx permanent."""
    if 200 <= code < 300:
        return Outcome.DELIVERED
    if 400 <= code < 500:
        return Outcome.RETRY
    return Outcome.PERMANENT_FAILURE
