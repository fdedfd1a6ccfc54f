"""What every sender takes and returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from radar_notifier.domain.retry import Outcome


@dataclass(frozen=True)
class Outgoing:
    """A persisted delivery, as a sender needs it."""

    idempotency_key: str
    recipient: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    error: str | None = None
    # Seconds the server asked us to wait (HTTP Retry-After), if it did.
    retry_after: float | None = None

    @classmethod
    def delivered(cls) -> SendResult:
        return cls(Outcome.DELIVERED)


class Sender(Protocol):
    async def start(self) -> None: ...

    async def send(self, message: Outgoing) -> SendResult: ...

    async def close(self) -> None: ...
