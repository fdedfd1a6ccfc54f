"""A toy service on the real runtime: usage totals and the newest account name per account.

Its projection is order-independent by construction (sums, newest-wins), so any order
and any duplication of the same events must give `expected_state(events)`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, Table, Text, select, text
from sqlalchemy.dialects.postgresql import insert

from radar_runtime import Runtime, RuntimeSettings, ServiceSpec, UnitOfWork, routes
from radar_runtime.migrations import Migrations
from radar_schemas.codec import decode, encode
from radar_schemas.crm import AccountUpsertedEvent
from radar_schemas.derived import HealthScored, HealthScoredEvent
from radar_schemas.envelope import Envelope
from radar_schemas.examples import EXAMPLES
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent

toy_metadata = MetaData()
usage_totals = Table(
    "usage_totals",
    toy_metadata,
    Column("account_id", Text, primary_key=True),
    Column("total", Float, nullable=False, server_default="0"),
    Column("events", Integer, nullable=False, server_default="0"),
    Column("name", Text),
    Column("name_version", Text),
)
toy_migrations = Migrations("toy", Path(__file__).with_name("toy_migrations"), toy_metadata)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def usage(account: str, quantity: float, minute: int = 0) -> UsageRecordedEvent:
    return UsageRecordedEvent(
        account_id=account,
        occurred_at=T0 + timedelta(minutes=minute),
        payload=UsageRecorded(metric="logins", quantity=quantity),
    )


def renamed(account: str, name: str, minute: int) -> AccountUpsertedEvent:
    body = dict(EXAMPLES["account.upserted"])
    body.update(
        event_id=str(uuid.uuid4()),
        account_id=account,
        occurred_at=(T0 + timedelta(minutes=minute)).isoformat(),
        payload={**body["payload"], "name": name},
    )
    event = decode(encode(AccountUpsertedEvent.model_validate(body)))
    assert isinstance(event, AccountUpsertedEvent)
    return event


def version(event: Envelope) -> str:
    # Newest occurred_at wins; the event id breaks ties so the winner never depends on order.
    return f"{event.occurred_at.astimezone(UTC).isoformat()}|{event.event_id}"


@dataclass
class State:
    total: float = 0.0
    events: int = 0
    name: str | None = None
    name_version: str | None = None


def expected_state(events: Iterable[Envelope]) -> dict[str, State]:
    unique = {e.event_id: e for e in events}
    state: dict[str, State] = {}
    for event in unique.values():
        s = state.setdefault(event.account_id, State())
        s.events += 1
        if isinstance(event, UsageRecordedEvent):
            s.total += event.payload.quantity
        elif isinstance(event, AccountUpsertedEvent) and (
            s.name_version is None or version(event) > s.name_version
        ):
            s.name, s.name_version = event.payload.name, version(event)
    return state


@dataclass
class ToyHandler:
    """Bulk upsert per batch; raises for `fail_accounts`; may emit a score per account."""

    fail_accounts: set[str] = field(default_factory=set)
    emit_scores: bool = False
    calls: int = 0

    async def __call__(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        self.calls += 1
        rows: dict[str, dict[str, Any]] = {}
        for event in events:
            row = rows.setdefault(
                event.account_id,
                {
                    "account_id": event.account_id,
                    "total": 0.0,
                    "events": 0,
                    "name": None,
                    "name_version": None,
                },
            )
            row["events"] += 1
            if isinstance(event, UsageRecordedEvent):
                row["total"] += event.payload.quantity
            elif isinstance(event, AccountUpsertedEvent) and (
                row["name_version"] is None or version(event) > row["name_version"]
            ):
                row["name"], row["name_version"] = event.payload.name, version(event)
            if self.emit_scores:
                uow.emit(score_for(event))
        # The failure comes after the emits: a rolled-back transaction must publish nothing.
        if self.fail_accounts & rows.keys():
            raise RuntimeError("toy handler refuses this account")
        statement = insert(usage_totals).values(list(rows.values()))
        await uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=[usage_totals.c.account_id],
                set_={
                    "total": usage_totals.c.total + statement.excluded.total,
                    "events": usage_totals.c.events + statement.excluded.events,
                    "name": text(
                        "CASE WHEN usage_totals.name_version IS NULL OR excluded.name_version "
                        "> usage_totals.name_version THEN excluded.name ELSE usage_totals.name END"
                    ),
                    "name_version": text(
                        "GREATEST(usage_totals.name_version, excluded.name_version)"
                    ),
                },
            )
        )


def score_for(event: Envelope) -> HealthScoredEvent:
    return HealthScoredEvent(
        event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"score:{event.event_id}"),
        account_id=event.account_id,
        occurred_at=event.occurred_at,
        payload=HealthScored(score=50, band="yellow", components=[], as_of=event.occurred_at),
    )


def toy_spec(handler: ToyHandler) -> ServiceSpec:
    return ServiceSpec(
        name="toy",
        migrations=toy_migrations,
        routes=routes((("usage.recorded", "account.upserted"), handler)),
        emits=("health.scored",),
    )


async def start_toy(settings: RuntimeSettings, handler: ToyHandler) -> Runtime:
    runtime = Runtime(settings)
    await runtime.start(toy_spec(handler))
    await runtime.wait_started()
    return runtime


async def read_state(runtime: Runtime) -> dict[str, State]:
    assert runtime.db is not None
    async with runtime.db.sessions() as session:
        rows = (await session.execute(select(usage_totals))).all()
    return {r.account_id: State(r.total, r.events, r.name, r.name_version) for r in rows}
