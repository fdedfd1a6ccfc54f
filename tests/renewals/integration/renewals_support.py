"""Event builders and an in-process renewals service for the integration tests.

(A unique module name: test folders are not packages.)
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from radar_renewals.main import create_app
from radar_renewals.parts import RenewalsParts
from radar_renewals.settings import RenewalsSettings
from radar_runtime import ManualClock, Runtime
from radar_runtime.auth.roles import Role
from radar_runtime.local.process import free_port
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import consume_all, eventually, isolated_settings, publish
from radar_schemas import (
    AccountUpserted,
    AccountUpsertedEvent,
    ContactChanged,
    ContactChangedEvent,
    Envelope,
    HealthScored,
    HealthScoredEvent,
    Person,
    RenewalBooked,
    RenewalBookedEvent,
    RenewalOpportunityUpdated,
    RenewalOpportunityUpdatedEvent,
    ScoreComponent,
    ScoreOverride,
    SubscriptionCancelled,
    SubscriptionCancelledEvent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
    codec,
)
from radar_schemas.topics import ALERTS, RENEWALS


def at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def account(
    account_id: str,
    when: datetime,
    *,
    name: str = "Acme Corp",
    segment: str = "enterprise",
    region: str = "emea",
    owner: str = "dana.reyes@example.com",
) -> AccountUpsertedEvent:
    return AccountUpsertedEvent(
        occurred_at=when,
        account_id=account_id,
        payload=AccountUpserted(
            name=name,
            segment=segment,  # type: ignore[arg-type]
            region=region,  # type: ignore[arg-type]
            industry="Manufacturing",
            owner=Person(name=owner.split("@")[0].replace(".", " ").title(), email=owner),
            manager=Person(name="Sam Okafor", email="sam.okafor@example.com"),
        ),
    )


def subscription(
    account_id: str,
    subscription_id: str,
    when: datetime,
    *,
    start: date,
    end: date,
    arr: float = 120_000.0,
    seats: int = 100,
    auto_renew: bool = False,
    currency: str = "EUR",
) -> SubscriptionUpsertedEvent:
    return SubscriptionUpsertedEvent(
        occurred_at=when,
        account_id=account_id,
        payload=SubscriptionUpserted(
            subscription_id=subscription_id,
            plan="Enterprise",
            seats=seats,
            arr=arr,
            currency=currency,
            start_date=start,
            end_date=end,
            auto_renew=auto_renew,
        ),
    )


def opportunity(
    account_id: str,
    subscription_id: str,
    when: datetime,
    *,
    stage: str,
    category: str,
    close: date,
    amount: float = 120_000.0,
    opportunity_id: str | None = None,
) -> RenewalOpportunityUpdatedEvent:
    return RenewalOpportunityUpdatedEvent(
        occurred_at=when,
        account_id=account_id,
        payload=RenewalOpportunityUpdated(
            opportunity_id=opportunity_id or f"opp-{subscription_id}",
            subscription_id=subscription_id,
            stage=stage,
            forecast_category=category,  # type: ignore[arg-type]
            close_date=close,
            amount=amount,
        ),
    )


def booking(
    account_id: str,
    subscription_id: str,
    when: datetime,
    *,
    booked: date,
    new_arr: float,
    new_end: date,
) -> RenewalBookedEvent:
    return RenewalBookedEvent(
        occurred_at=when,
        account_id=account_id,
        payload=RenewalBooked(
            subscription_id=subscription_id, booked_at=booked, new_arr=new_arr, new_end_date=new_end
        ),
    )


def cancellation(
    account_id: str, subscription_id: str, when: datetime, *, effective: date
) -> SubscriptionCancelledEvent:
    return SubscriptionCancelledEvent(
        occurred_at=when,
        account_id=account_id,
        payload=SubscriptionCancelled(
            subscription_id=subscription_id, effective_date=effective, reason="budget cut"
        ),
    )


def health(
    account_id: str,
    when: datetime,
    *,
    score: float,
    band: str,
    score_30d_ago: float | None = None,
    utilisation_percent: float | None = None,
    open_escalations: int | None = None,
    override: ScoreOverride | None = None,
    provisional: bool = False,
) -> HealthScoredEvent:
    components = []
    if utilisation_percent is not None:
        components.append(
            ScoreComponent(
                measure="license_utilization",
                raw_value=utilisation_percent,
                sub_score=0.0,
                weight=20.0,
                explanation="seats in use",
            )
        )
    return HealthScoredEvent(
        occurred_at=when,
        account_id=account_id,
        payload=HealthScored(
            score=score,
            band=band,  # type: ignore[arg-type]
            components=components,
            score_30d_ago=score_30d_ago,
            open_escalations=open_escalations,
            override=override,
            provisional=provisional,
            as_of=when,
        ),
    )


def contact(
    account_id: str, when: datetime, *, contact_id: str, role: str, change: str
) -> ContactChangedEvent:
    return ContactChangedEvent(
        occurred_at=when,
        account_id=account_id,
        payload=ContactChanged(contact_id=contact_id, role=role, change=change),  # type: ignore[arg-type]
    )


@dataclass
class Service:
    app: FastAPI
    settings: RenewalsSettings
    http: httpx.AsyncClient
    clock: ManualClock
    bootstrap: str

    @property
    def parts(self) -> RenewalsParts:
        parts: RenewalsParts = self.app.state.parts
        return parts

    @property
    def runtime(self) -> Runtime:
        return self.parts.runtime

    async def publish(self, events: Iterable[Envelope]) -> None:
        await publish(self.bootstrap, self.settings, list(events))

    async def wait_processed(self, events: Iterable[Envelope], timeout: float = 30) -> None:
        ids = list({e.event_id for e in events})
        db = self.runtime.db
        assert db is not None

        async def done() -> bool:
            async with db.sessions() as session:
                count = await session.scalar(
                    text("SELECT count(*) FROM processed_events WHERE event_id = ANY(:ids)"),
                    {"ids": ids},
                )
            return count == len(ids)

        await eventually(done, timeout=timeout, what=f"{len(ids)} events processed")

    async def advance_to(self, day: date) -> list[str]:
        """Move the clock to 09:00 UTC on `day` and run what is due."""
        self.clock.set(at(day))
        assert self.runtime.scheduler is not None
        return await self.runtime.scheduler.run_due()

    async def get(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()

    async def emitted(self, topic: str, expect: int, timeout: float = 20) -> list[Envelope]:
        records = await consume_all(
            self.bootstrap, self.settings.topic(topic), expect=expect, timeout=timeout
        )
        return [codec.decode(r.value) for r in records if r.value is not None]

    async def state_changes(self, expect: int) -> list[Any]:
        return await self.emitted(RENEWALS, expect)

    async def alerts(self, expect: int) -> list[Any]:
        found = await self.emitted(ALERTS, expect)
        return [e for e in found if e.payload.rule.startswith("renewal.")]


def service_settings(kafka_bootstrap: str, database_url: str, **overrides: Any) -> RenewalsSettings:
    values: dict[str, Any] = {
        "raw_topic_partitions": 2,
        "derived_topic_partitions": 2,
        # Scheduled work runs when a test calls run_due (and once at start).
        "scheduler_tick_seconds": 3600,
        "metrics_refresh_seconds": 0.5,
    }
    values.update(overrides)
    return isolated_settings(RenewalsSettings, kafka_bootstrap, database_url, **values)


async def _until_ready(http: httpx.AsyncClient) -> None:
    async def ready() -> bool:
        return (await http.get("/readyz")).status_code == 200

    await eventually(ready, timeout=60, what="renewals ready")


@asynccontextmanager
async def running_service(
    kafka_bootstrap: str,
    database_url: str,
    start: datetime,
    *,
    settings: RenewalsSettings | None = None,
    **overrides: Any,
) -> AsyncIterator[Service]:
    """The app in this event loop, called through ASGI; given `settings` (another
    service's), it is that service restarted."""
    settings = settings or service_settings(kafka_bootstrap, database_url, **overrides)
    clock = ManualClock(start)
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        await runtime.wait_started()
        transport = httpx.ASGITransport(app)
        admin = await admin_headers(settings, clock)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://t", headers=admin
        ) as http:
            await _until_ready(http)
            yield Service(app, settings, http, clock, kafka_bootstrap)


@asynccontextmanager
async def serving_over_http(
    kafka_bootstrap: str, database_url: str, start: datetime, **overrides: Any
) -> AsyncIterator[Service]:
    """The app served by uvicorn on a free loopback port, for clients outside Python."""
    settings = service_settings(kafka_bootstrap, database_url, port=free_port(), **overrides)
    clock = ManualClock(start)
    app = create_app(settings, clock=clock)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_config=None, access_log=False)
    )
    task = asyncio.create_task(server.serve())
    try:
        await eventually(_started(server, task), timeout=30, what="uvicorn started")
        await app.state.runtime.wait_started()
        base_url = f"http://127.0.0.1:{settings.port}"
        admin = await admin_headers(settings, clock)
        async with httpx.AsyncClient(base_url=base_url, timeout=30, headers=admin) as http:
            await _until_ready(http)
            yield Service(app, settings, http, clock, kafka_bootstrap)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def admin_headers(settings: RenewalsSettings, clock: ManualClock) -> dict[str, str]:
    name = f"admin-{uuid.uuid4().hex[:8]}"
    return bearer(await api_token(settings, name=name, role=Role.ADMIN, now=clock.now()))


def _started(server: uvicorn.Server, task: asyncio.Task[None]) -> Any:
    async def check() -> bool:
        if task.done():
            task.result()  # re-raises why the server stopped
        return bool(server.started)

    return check


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
