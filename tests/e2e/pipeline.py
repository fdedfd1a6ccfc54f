"""The whole system for end-to-end tests: the four services as separate processes on
the test session's broker and database, with a local Slack sink and SMTP catcher."""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from radar_cli.processes import ServiceProcesses
from radar_cli.services import SERVICES, ServiceProcess
from radar_cli.status import metric_count
from radar_notifier.local import SlackSink, SmtpCatcher
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.local import free_port
from radar_runtime.testing.auth import api_token, bearer
from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope
from radar_schemas.topics import RAW_TOPICS, TOPIC_BY_TYPE

API_KEY = f"e2e-{uuid.uuid4().hex}"
CHANNEL = "cs-alerts"

# Every alert to Slack too; digests flushed within a second so the test stays short.
# Scripted histories are posted in one go and followed at once, so the notifier does
# not hold their alerts while history settles; tests/notifier covers the hold.
NOTIFIER_RULES = """
[timings]
group_wait = "1s"
group_interval = "1s"

[history]
settle = "0s"

[[routes]]
name = "everything-to-slack"
match = { min_severity = "info" }
channels = ["slack:cs-alerts"]
continue = true

[[routes]]
name = "critical"
match = { min_severity = "critical" }
channels = ["email:owner", "email:manager"]

[default_route]
name = "default"
channels = ["email:owner"]

[slack]
allowed_webhook_hosts = ["127.0.0.1"]
"""


# What a service still holds back: unread records, unpublished outbox rows, and health's
# late history waiting to settle (its verdicts held until then).
PENDING = ("radar_consumer_lag", "radar_outbox_pending", "radar_health_history_waiting")
# What moves while a service works: events applied, and health's usage recomputes.
MOVING = ("radar_events_consumed_total", "radar_health_usage_recomputes_total")


@dataclass
class Pipeline:
    processes: ServiceProcesses
    slack: SlackSink
    smtp: SmtpCatcher
    tag: str
    admin_token: str

    def url(self, service: str) -> str:
        return self.processes.services[service].url

    def schema(self, service: str) -> str:
        return f"{self.tag}_{service}"

    async def post(self, events: list[Envelope]) -> list[str]:
        """Post through the ingest REST API in batches; returns the accepted ids."""
        accepted: list[str] = []
        async with httpx.AsyncClient(timeout=30) as http:
            for start in range(0, len(events), 500):
                body = (
                    b'{"events":['
                    + b",".join(encode(e) for e in events[start : start + 500])
                    + b"]}"
                )
                response = await http.post(
                    f"{self.url('ingest')}/v1/events/batch",
                    content=body,
                    headers={
                        "Authorization": f"Bearer {API_KEY}",
                        "Content-Type": "application/json",
                    },
                )
                assert response.status_code == 202, response.text
                accepted += [item["event_id"] for item in response.json()["accepted"]]
        return accepted

    async def post_until_stored(self, events: list[Envelope]) -> None:
        """Like a well-behaved source system: a batch answered 503 is sent again."""
        async with httpx.AsyncClient(timeout=30) as http:
            for start in range(0, len(events), 500):
                body = (
                    b'{"events":['
                    + b",".join(encode(e) for e in events[start : start + 500])
                    + b"]}"
                )
                while True:
                    try:
                        response = await http.post(
                            f"{self.url('ingest')}/v1/events/batch",
                            content=body,
                            headers={
                                "Authorization": f"Bearer {API_KEY}",
                                "Content-Type": "application/json",
                            },
                        )
                    except httpx.HTTPError:
                        await asyncio.sleep(0.5)
                        continue
                    if response.status_code == 202:
                        break
                    assert response.status_code == 503, response.text
                    await asyncio.sleep(float(response.headers.get("Retry-After", "1")))

    async def settled(self, quiet_seconds: int) -> None:
        """Every service consumed all it was sent, emitted all it had, holds no history
        back, and none of it moved for `quiet_seconds`."""
        seen: list[tuple[int, ...]] = []
        checks = quiet_seconds // 2 + 1  # one every 2 s
        async with httpx.AsyncClient(timeout=30) as http:
            for _ in range(600):
                moving: list[int] = []
                pending: list[int] = []
                for service in ("ingest", "health", "renewals", "notifier"):
                    try:
                        text = (await http.get(f"{self.url(service)}/metrics")).text
                    except httpx.TimeoutException:  # busy applying: not settled yet
                        moving += [-1] * len(MOVING)
                        pending += [-1] * len(PENDING)
                        continue
                    moving += [metric_count(text, name) for name in MOVING]
                    pending += [metric_count(text, name) for name in PENDING]
                seen.append((*moving, *pending))
                quiet = len(seen) >= checks and len(set(seen[-checks:])) == 1
                if quiet and not any(pending):
                    return
                await asyncio.sleep(2)
        raise AssertionError(f"the pipeline did not settle: {seen[-3:]}")

    async def get(self, service: str, path: str) -> Any:
        async with httpx.AsyncClient(timeout=10, headers=bearer(self.admin_token)) as http:
            response = await http.get(f"{self.url(service)}{path}")
            return response.status_code, (response.json() if response.content else None)


def service_env(tag: str, kafka_bootstrap: str, database_url: str, rules: Path) -> dict[str, str]:
    allowed = sorted(t for t, topic in TOPIC_BY_TYPE.items() if topic in RAW_TOPICS)
    keys = {
        "keys": [
            {
                "source": "e2e",
                "sha256": hashlib.sha256(API_KEY.encode()).hexdigest(),
                "allow": allowed,
            }
        ]
    }
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "DATABASE_URL": database_url,
        "RADAR_INGEST_API_KEYS": json.dumps(keys),
        "RADAR_NOTIFIER_CONFIG_PATH": str(rules),
        "RADAR_NOTIFIER_ALLOW_LOOPBACK_WEBHOOKS": "true",
        "RADAR_AUTH_SCHEMA": f"{tag}_auth",
    }
    env["RADAR_CONSOLE_SECURE_COOKIES"] = "false"  # plain HTTP on loopback
    for service in ("ingest", "health", "renewals", "notifier", "console"):
        prefix = f"RADAR_{service.upper()}_"
        env |= {
            f"{prefix}TOPIC_PREFIX": f"{tag}.",
            f"{prefix}DB_SCHEMA": f"{tag}_{service}",
            f"{prefix}CONSUMER_GROUP": f"{tag}-{service}",
            f"{prefix}BATCH_TIMEOUT_MS": "50",
            f"{prefix}OUTBOX_POLL_SECONDS": "0.2",
        }
    return env


async def start_pipeline(
    kafka_bootstrap: str,
    database_url: str,
    workdir: Path,
    *,
    notifier_rules: str = NOTIFIER_RULES,
    extra_env: Mapping[str, str] | None = None,
) -> Pipeline:
    """`notifier_rules` replaces the rule file; `extra_env` adds or overrides service
    settings (the benchmark sets group_wait 0 and a shorter delivery-worker poll)."""
    tag = f"e2e{uuid.uuid4().hex[:8]}"
    smtp = SmtpCatcher()
    await smtp.start()
    slack = SlackSink(catcher=smtp)
    await slack.start()
    rules = workdir / "notifier.toml"
    rules.write_text(notifier_rules)
    # Scripted histories are posted in one go, so health would hold its verdicts while
    # the backfill settles (minutes); these tests follow the pipeline, and tests/health
    # covers the hold.
    health_rules = workdir / "health.toml"
    health_rules.write_text("[rules]\nbackfill_settle_minutes = 0\n")
    env = service_env(tag, kafka_bootstrap, database_url, rules)
    env["RADAR_HEALTH_CONFIG_PATH"] = str(health_rules)
    env["RADAR_NOTIFIER_SMTP_HOST"] = "127.0.0.1"
    env["RADAR_NOTIFIER_SMTP_PORT"] = str(smtp.port)
    env[f"RADAR_NOTIFIER_SLACK_WEBHOOK_{CHANNEL.upper().replace('-', '_')}"] = slack.url(CHANNEL)
    env |= dict(extra_env or {})
    services = [ServiceProcess(s.name, free_port(), s.pages) for s in SERVICES]
    processes = ServiceProcesses(env, workdir / "logs", services)
    processes.start()
    await asyncio.to_thread(processes.wait_ready)
    registry = RuntimeSettings(database_url=database_url, auth_schema=f"{tag}_auth")
    admin = await api_token(registry, name="e2e-admin", role=Role.ADMIN, now=datetime.now(UTC))
    return Pipeline(processes, slack, smtp, tag, admin)


async def stop_pipeline(pipeline: Pipeline) -> None:
    await asyncio.to_thread(pipeline.processes.stop)
    await pipeline.slack.stop()
    await pipeline.smtp.stop()
