"""The simulation: accounts and their fates, turned into events in time order. Pure.

`generate(config)` yields events as plain dicts in the wire format of
`POST /v1/events/batch` (no `source` or `received_at`: ingest sets those), oldest first,
one simulated day at a time, so memory stays flat however long the simulation runs.

Everything is drawn from generators seeded by (seed, account number): the same
config gives the same events, byte for byte. Event ids are UUIDv5 of the seed, the
window, the account and the event's number within the account, so posting the same
simulation twice is deduplicated downstream like any retried delivery.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .accounts import Account, Window, make_accounts
from .activity import Activity
from .crm import crm_events
from .draws import DAY, day_start, timestamp

# Fixed forever: changing it would change every simulated event id.
NAMESPACE = uuid.UUID("5f0c6a52-3f7e-5d8b-9a4e-2c1b7d9e8f60")


@dataclass(frozen=True)
class SimulationConfig:
    accounts: int
    days: int
    seed: int
    end_date: date

    @property
    def window(self) -> Window:
        return Window(self.end_date, self.days)

    def accounts_list(self) -> list[Account]:
        return make_accounts(self.seed, self.accounts, self.window)


def generate(
    config: SimulationConfig, accounts: list[Account] | None = None
) -> Iterator[dict[str, Any]]:
    """Every event, oldest first; `accounts` when the caller already made them."""
    window = config.window
    accounts = config.accounts_list() if accounts is None else accounts
    sims = [_AccountStream(account, config) for account in accounts]
    for offset in range(config.days):
        day = window.start_date + timedelta(days=offset)
        events = [event for sim in sims for event in sim.day(day)]
        # Same text format for every timestamp, so the strings sort in time order.
        events.sort(key=lambda event: event["occurred_at"])
        yield from events


def event_id(name: str) -> str:
    """`str(uuid.uuid5(NAMESPACE, name))`, without building UUID objects: ids are made
    for every event, and this is several times faster."""
    h = hashlib.sha1(NAMESPACE.bytes + name.encode()).hexdigest()
    variant = "89ab"[int(h[16], 16) & 3]  # RFC 4122 variant bits
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


class _AccountStream:
    """One account's events: planned CRM events and daily activity in one time queue."""

    def __init__(self, account: Account, config: SimulationConfig) -> None:
        self.account = account
        window = config.window
        self.first, self.last = day_start(window.start_date), day_start(window.end_date)
        profile = account.profile
        # Its own stream, apart from the one that drew the profile and fate.
        rng = random.Random(f"radar-simulate/{config.seed}/{profile.index}/events")
        self.activity = Activity(account, window, rng)
        self.queue: list[tuple[int, int, str, dict[str, Any]]] = []
        self.sequence = 0
        self.count = 0
        self.id_prefix = (
            f"{config.seed}/{window.start_date}/{window.end_date}/{profile.account_id}/"
        )
        for at, event_type, payload in crm_events(account, window, rng):
            self.schedule(at, event_type, payload)

    def schedule(self, at: int, event_type: str, payload: dict[str, Any]) -> None:
        if not self.first <= at < self.last:
            return  # outside the simulated days: never sent, never in the future
        self.sequence += 1  # ties keep the order they were scheduled in
        heapq.heappush(self.queue, (at, self.sequence, event_type, payload))

    def day(self, day: date) -> list[dict[str, Any]]:
        """The account's events on `day`, in time order; later follow-ups stay queued."""
        self.activity.day(day, self.schedule)
        next_day = day_start(day) + DAY
        out = []
        while self.queue and self.queue[0][0] < next_day:
            at, _, event_type, payload = heapq.heappop(self.queue)
            out.append(self.event(at, event_type, payload))
        return out

    def event(self, at: int, event_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        self.count += 1
        return {
            "event_id": event_id(f"{self.id_prefix}{self.count}"),
            "type": event_type,
            "schema_version": 1,
            "occurred_at": timestamp(at),
            "account_id": self.account.profile.account_id,
            "payload": payload,
        }
