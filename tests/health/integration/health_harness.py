"""Running the health service in-process against the session's real Kafka and PostgreSQL,
building raw events, and reading what it emits (a uniquely named module, not a conftest)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from fastapi import FastAPI
from sqlalchemy import text

from radar_health.main import create_app
from radar_health.parts import HealthParts
from radar_health.rules import HealthRules
from radar_health.settings import HealthSettings
from radar_runtime import ManualClock, Runtime
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually, isolated_settings
from radar_schemas.codec import decode
from radar_schemas.crm import (
    AccountUpserted,
    AccountUpsertedEvent,
    ContactChanged,
    ContactChangedEvent,
    ContactIdentified,
    ContactIdentifiedEvent,
    EngagementLogged,
    EngagementLoggedEvent,
    SubscriptionCancelled,
    SubscriptionCancelledEvent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
)
from radar_schemas.envelope import Envelope
from radar_schemas.support import (
    CsatSubmitted,
    CsatSubmittedEvent,
    NpsSubmitted,
    NpsSubmittedEvent,
    Ticket,
    TicketClosedEvent,
    TicketOpenedEvent,
    TicketUpdatedEvent,
)
from radar_schemas.topics import ALERTS, HEALTH
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
OWNER = {"name": "Dana Reyes", "email": "dana.reyes@example.com"}
MANAGER = {"name": "Sam Okafor", "email": "sam.okafor@example.com"}


def health_settings(kafka_bootstrap: str, database_url: str, **overrides: Any) -> HealthSettings:
    values: dict[str, Any] = {
        "raw_topic_partitions": 3,
        "derived_topic_partitions": 2,
        "usage_recompute_seconds": 0.1,
        "band_gauge_seconds": 0.1,
        # Scheduled work runs only when a test calls run_due(), never behind its back.
        "scheduler_tick_seconds": 3600,
    }
    values.update(overrides)
    return isolated_settings(HealthSettings, kafka_bootstrap, database_url, **values)


@dataclass
class Emitted:
    """Every event on the health and alert topics since the service started."""

    events: list[Envelope] = field(default_factory=list)

    def of(self, account_id: str, event_type: str | None = None) -> list[Any]:
        return [
            e
            for e in self.events
            if e.account_id == account_id and (event_type is None or e.type == event_type)
        ]

    def alerts(self, account_id: str, event_type: str = "alert.raised") -> dict[str, list[Any]]:
        by_rule: dict[str, list[Any]] = {}
        for event in self.of(account_id, event_type):
            by_rule.setdefault(event.payload.rule, []).append(event.payload)
        return by_rule


@dataclass
class Health:
    app: FastAPI
    client: httpx.AsyncClient
    settings: HealthSettings
    clock: ManualClock
    emitted: Emitted

    def __repr__(self) -> str:  # hypothesis prints fixtures; the emitted events are noise
        return f"Health(schema={self.settings.db_schema})"

    async def as_person(self, role: Role, email: str, name: str) -> dict[str, str]:
        """Headers that sign requests in as this person (an API token of theirs)."""
        token = await api_token(
            self.settings, name=name, role=role, now=self.clock.now(), email=email
        )
        return bearer(token)

    @property
    def parts(self) -> HealthParts:
        parts: HealthParts = self.app.state.parts
        return parts

    @property
    def runtime(self) -> Runtime:
        return self.parts.runtime

    async def wait_for(
        self, check: Callable[[], Any], *, timeout: float = 30, what: str = "condition"
    ) -> Any:
        async def checked() -> Any:
            return check()

        return await eventually(checked, timeout=timeout, what=what)

    async def wait_for_async(
        self, check: Callable[[], Awaitable[Any]], *, timeout: float = 30, what: str = "condition"
    ) -> Any:
        return await eventually(check, timeout=timeout, what=what)

    async def sql(self, statement: str, **params: Any) -> list[Any]:
        assert self.runtime.db is not None
        async with self.runtime.db.sessions() as session:
            return list((await session.execute(text(statement), params)).all())

    async def settled(self, account_id: str, event_ids: list[uuid.UUID]) -> bool:
        """Every event applied and no usage recompute pending for the account."""
        applied = await self.sql(
            "SELECT count(*) FROM processed_events WHERE event_id = ANY(:ids)",
            ids=list(set(event_ids)),
        )
        queued = await self.sql(
            "SELECT count(*) FROM recompute_queue WHERE account_id = :a", a=account_id
        )
        return applied[0][0] == len(set(event_ids)) and queued[0][0] == 0

    async def replay_settled_history(self, settle: timedelta) -> None:
        """Let late events settle (`settle` passes on the clock), then wait until every
        queued history is replayed (the worker's claim is deleted when its replay commits;
        the background worker may be the one that does it)."""
        self.clock.advance(settle)
        await self.parts.usage_worker.run_once()

        async def replayed() -> bool:
            return (await self.sql("SELECT count(*) FROM history_queue"))[0][0] == 0

        await eventually(replayed, timeout=60, what="history replayed")


@asynccontextmanager
async def running_health(
    settings: HealthSettings, clock: ManualClock | None = None, rules: HealthRules | None = None
) -> AsyncIterator[Health]:
    clock = clock or ManualClock(T0)
    app = create_app(settings, clock=clock, rules=rules)
    emitted = Emitted()
    async with app.router.lifespan_context(app):
        await app.state.parts.runtime.wait_started()
        await _wait_until_consuming(app.state.parts.runtime)
        reader = asyncio.create_task(_read_outputs(settings, emitted))
        try:
            transport = httpx.ASGITransport(app)
            name = f"admin-{uuid.uuid4().hex[:8]}"
            admin = await api_token(settings, name=name, role=Role.ADMIN, now=clock.now())
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", headers=bearer(admin)
            ) as client:
                yield Health(app, client, settings, clock, emitted)
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def _wait_until_consuming(runtime: Runtime, timeout: float = 90) -> None:
    """Partitions assigned: a group join can take a while on a busy broker."""
    deadline = time.monotonic() + timeout
    while not all((await runtime.readiness()).values()):
        if time.monotonic() > deadline:
            raise AssertionError(f"not ready: {await runtime.readiness()}")
        await asyncio.sleep(0.1)


async def _read_outputs(settings: HealthSettings, emitted: Emitted) -> None:
    consumer = AIOKafkaConsumer(
        settings.topic(HEALTH),
        settings.topic(ALERTS),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        metadata_max_age_ms=500,
    )
    await consumer.start()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=100)
            for records in batch.values():
                emitted.events.extend(decode(r.value) for r in records if r.value)
    finally:
        await consumer.stop()


# ── raw events ───────────────────────────────────────────────────────────────


def at(days: float = 0, hours: float = 0) -> datetime:
    """An instant `days` (and `hours`) before T0."""
    return T0 - timedelta(days=days, hours=hours)


def account_upserted(account: str, when: datetime, **payload: Any) -> AccountUpsertedEvent:
    body: dict[str, Any] = {
        "name": f"Account {account}",
        "segment": "enterprise",
        "region": "emea",
        "industry": "software",
        "owner": OWNER,
        "manager": MANAGER,
    }
    body.update(payload)
    return AccountUpsertedEvent(
        account_id=account, occurred_at=when, payload=AccountUpserted.model_validate(body)
    )


def subscription(
    account: str, when: datetime, sub: str = "sub-1", seats: int = 10, ends: date | None = None
) -> SubscriptionUpsertedEvent:
    end = ends or (T0 + timedelta(days=300)).date()
    return SubscriptionUpsertedEvent(
        account_id=account,
        occurred_at=when,
        payload=SubscriptionUpserted(
            subscription_id=sub,
            plan="enterprise",
            seats=seats,
            arr=120_000.0,
            currency="EUR",
            start_date=end - timedelta(days=365),
            end_date=end,
            auto_renew=False,
        ),
    )


def cancelled(account: str, when: datetime, sub: str = "sub-1") -> SubscriptionCancelledEvent:
    return SubscriptionCancelledEvent(
        account_id=account,
        occurred_at=when,
        payload=SubscriptionCancelled(
            subscription_id=sub, effective_date=when.date(), reason="budget"
        ),
    )


def usage(
    account: str,
    when: datetime,
    quantity: float = 1.0,
    metric: str = "logins",
    user: str | None = None,
) -> UsageRecordedEvent:
    return UsageRecordedEvent(
        account_id=account,
        occurred_at=when,
        payload=UsageRecorded(metric=metric, quantity=quantity, user_id=user),
    )


_TICKET_EVENTS = {
    "opened": TicketOpenedEvent,
    "updated": TicketUpdatedEvent,
    "closed": TicketClosedEvent,
}


def ticket(
    account: str,
    when: datetime,
    kind: str = "opened",
    ticket_id: str = "T-1",
    priority: str = "normal",
    escalated: bool = False,
) -> Envelope:
    model = _TICKET_EVENTS[kind]
    status = {"opened": "open", "updated": "pending", "closed": "solved"}[kind]
    return model(
        account_id=account,
        occurred_at=when,
        payload=Ticket(ticket_id=ticket_id, priority=priority, status=status, escalated=escalated),
    )


def nps(account: str, when: datetime, score: int, contact: str = "c-1") -> NpsSubmittedEvent:
    return NpsSubmittedEvent(
        account_id=account, occurred_at=when, payload=NpsSubmitted(contact_id=contact, score=score)
    )


def csat(account: str, when: datetime, score: int, ticket_id: str = "T-1") -> CsatSubmittedEvent:
    return CsatSubmittedEvent(
        account_id=account,
        occurred_at=when,
        payload=CsatSubmitted(ticket_id=ticket_id, score=score),
    )


def contact(
    account: str,
    when: datetime,
    contact_id: str,
    role: str,
    change: str = "joined",
    name: str | None = None,
) -> ContactChangedEvent:
    return ContactChangedEvent(
        account_id=account,
        occurred_at=when,
        payload=ContactChanged(contact_id=contact_id, role=role, change=change, name=name),
    )


def identified(account: str, when: datetime, contact_id: str, name: str) -> Envelope:
    return ContactIdentifiedEvent(
        account_id=account,
        occurred_at=when,
        payload=ContactIdentified(contact_id=contact_id, name=name),
    )


def engagement(account: str, when: datetime, kind: str = "meeting") -> EngagementLoggedEvent:
    return EngagementLoggedEvent(
        account_id=account, occurred_at=when, payload=EngagementLogged(kind=kind)
    )


def new_account(prefix: str = "acct") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"
