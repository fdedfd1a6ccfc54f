"""The notifier on the real runtime, served over HTTP by uvicorn on a loopback port,
with a manual clock, a Slack sink and an SMTP catcher.

A unique module name (tests/ has no root package). Time moves only through
`clock.advance`; `deliver()` runs the delivery worker once at the clock's time.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from radar_notifier.local import SlackSink, SmtpCatcher
from radar_notifier.main import create_app
from radar_notifier.parts import NotifierParts
from radar_notifier.settings import NotifierSettings
from radar_notifier.store.tables import deliveries
from radar_notifier.work.delivery import DeliveryWorker, RunSummary
from radar_runtime import ManualClock
from radar_runtime.auth.roles import Role
from radar_runtime.db import processed_events
from radar_runtime.local import free_port
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually, isolated_settings, publish
from radar_schemas.common import Person
from radar_schemas.derived import (
    Alert,
    AlertRaisedEvent,
    AlertResolvedEvent,
    Driver,
    RenewalStateChangedEvent,
)
from radar_schemas.envelope import Envelope

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SLACK_CHANNEL = "cs-alerts"
WEBHOOK_VAR = "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LINK_SECRET = "email-links-are-signed-with-this-32+-character-secret"

RULES = """
version = 1

[timings]
group_wait = "30s"
group_interval = "5m"
repeat_interval = "24h"

[retry]
max_attempts = 3
base_delay = "10s"
factor = 2.0
max_delay = "1m"
jitter = "none"
max_retry_after = "1h"

[[routes]]
name = "enterprise-to-slack"
match = { segment = ["enterprise"] }
channels = ["slack:cs-alerts"]
continue = true

[[routes]]
name = "critical"
match = { min_severity = "critical" }
channels = ["email:owner", "email:manager"]

[default_route]
name = "default"
channels = ["email:owner"]

[[people]]
name = "Omar Other"
email = "omar@example.com"
slack_id = "U0OMAR01"
role = "csm"
"""


def owner(name: str = "jane") -> Person:
    return Person(name=name.capitalize(), email=f"{name}@example.com", slack_id="U0JANE01")


MANAGER = Person(name="Max Boss", email="max@example.com")


def alert(
    account: str = "acct-1",
    *,
    rule: str = "usage.sharp_drop",
    severity: str = "warning",
    key: str | None = None,
    at: datetime = T0,
    resolved: bool = False,
    csm: str = "jane",
    segment: str = "enterprise",
    region: str = "emea",
    event_id: uuid.UUID | None = None,
    risk_score: float | None = None,
) -> Envelope:
    dedup_key = key or f"{rule}:{account}"
    payload = Alert(
        alert_id=f"al-{dedup_key}",
        rule=rule,
        severity=severity,  # type: ignore[arg-type]
        dedup_key=dedup_key,
        title=f"{rule} on {account}",
        summary="Active usage fell 45 % week over week.",
        drivers=[Driver(name="usage_trend", value=-45.0, explanation="Active usage fell 45 %")],
        recommended_actions=["Schedule a check-in", "Share the usage guide"],
        owner=owner(csm),
        manager=MANAGER,
        account_name=f"{account.title()} Inc",
        segment=segment,  # type: ignore[arg-type]
        region=region,  # type: ignore[arg-type]
        arr=120_000.0,
        currency="USD",
        subscription_id=f"sub-{account}",
        renewal_date=date(2026, 6, 30),
        health_score=38.0,
        risk_score=risk_score,
    )
    kind = AlertResolvedEvent if resolved else AlertRaisedEvent
    return kind(
        event_id=event_id or uuid.uuid4(), account_id=account, occurred_at=at, payload=payload
    )


def renewal(
    account: str,
    subscription: str,
    due: date,
    state: str,
    arr: float,
    at: datetime,
    evaluated_at: datetime | None = None,
) -> Envelope:
    """A renewal.state_changed of one term, as renewals publish it: about a fact `at`,
    judged at `evaluated_at` (by default then)."""
    return RenewalStateChangedEvent(
        event_id=uuid.uuid4(),
        account_id=account,
        occurred_at=at,
        payload={
            "subscription_id": subscription,
            "state": state,
            "renewal_date": due,
            "days_to_renewal": (due - at.date()).days,
            "risk_score": 40.0,
            "risk_band": "medium",
            "p_renew": 0.6,
            "arr": arr,
            "expected_arr": arr * 0.6,
            "evaluated_at": evaluated_at or at,
        },
    )


@dataclass
class Notifier:
    app: FastAPI
    settings: NotifierSettings
    clock: ManualClock
    http: httpx.AsyncClient
    bootstrap: str
    url: str

    @property
    def parts(self) -> NotifierParts:
        parts: NotifierParts = self.app.state.parts
        return parts

    @property
    def worker(self) -> DeliveryWorker:
        return self.parts.worker

    async def publish(self, *events: Envelope, new: int | None = None) -> None:
        """Publish and wait until the notifier applied `new` more event ids (default:
        all of them; a replayed id is never applied again)."""
        before = await self._processed()
        await publish(self.bootstrap, self.settings, events)
        expected = before + (len({e.event_id for e in events}) if new is None else new)

        async def applied() -> bool:
            return await self._processed() >= expected

        await eventually(applied, timeout=30, what=f"{expected} events applied")

    async def _processed(self) -> int:
        return await self._count(select(func.count()).select_from(processed_events))

    async def _count(self, query: Any) -> int:
        async with self.parts.runtime.db.sessions() as session:
            return int(await session.scalar(query) or 0)

    async def as_person(self, role: Role, email: str, name: str) -> dict[str, str]:
        """Headers that sign requests in as this person (an API token of theirs)."""
        token = await api_token(
            self.settings, name=name, role=role, now=self.clock.now(), email=email
        )
        return bearer(token)

    async def deliver(self, after: timedelta = timedelta(0)) -> RunSummary:
        self.clock.advance(after)
        return await self.worker.run_once()

    async def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/deliveries", params=filters)
        assert response.status_code == 200, response.text
        return list(response.json()["deliveries"])

    async def alerts(self, **filters: str) -> list[dict[str, Any]]:
        response = await self.http.get("/v1/alerts", params=filters)
        assert response.status_code == 200, response.text
        return list(response.json()["alerts"])

    async def delivery_count(self) -> int:
        return await self._count(select(func.count()).select_from(deliveries))


def notifier_settings(
    kafka_bootstrap: str, database_url: str, rules_file: Path, **overrides: Any
) -> NotifierSettings:
    values: dict[str, Any] = {
        "rules_path": rules_file,
        "allow_loopback_webhooks": True,
        "slack_timeout_seconds": 2.0,
        "smtp_timeout_seconds": 5.0,
        # Tests run the worker themselves (`deliver`); a commit still wakes it.
        "worker_poll_seconds": 3600,
        "slack_signing_secret": SIGNING_SECRET,
        "action_link_secret": LINK_SECRET,
    }
    values.update(overrides)
    return isolated_settings(NotifierSettings, kafka_bootstrap, database_url, **values)


@asynccontextmanager
async def running_notifier(
    settings: NotifierSettings,
    sink: SlackSink,
    catcher: SmtpCatcher,
    *,
    start: datetime = T0,
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Notifier]:
    clock = ManualClock(start)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Links in emails lead back here.
    served = {"smtp_port": catcher.port, "port": port, "public_url": url}
    settings = settings.model_copy(update=served)
    env = {WEBHOOK_VAR: sink.url(SLACK_CHANNEL)} if environ is None else environ
    app = create_app(settings, clock=clock, environ=env)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=settings.port, log_config=None, access_log=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # re-raises why the server stopped
            await asyncio.sleep(0.02)
        await app.state.runtime.wait_started()
        admin = await api_token(
            settings, name=f"admin-{uuid.uuid4().hex[:8]}", role=Role.ADMIN, now=clock.now()
        )
        async with httpx.AsyncClient(base_url=url, headers=bearer(admin), timeout=30) as http:
            yield Notifier(app, settings, clock, http, settings.kafka_bootstrap_servers, url)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)
