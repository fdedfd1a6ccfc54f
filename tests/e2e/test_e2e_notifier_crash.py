"""The notifier killed (SIGKILL) at the worst moment of an email: the SMTP server has
the message, the notifier has not recorded it. After restart it is sent again as the
same message, and the double is visible in the delivery log and in /metrics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
import pytest

from radar_cli.processes import ServiceProcesses
from radar_cli.services import ServiceProcess
from radar_notifier.local import CaughtEmail, SmtpCatcher
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.local import free_port
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import publish
from radar_schemas.common import Person
from radar_schemas.derived import Alert, AlertRaisedEvent

from .pipeline import service_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

RULES = '[timings]\ngroup_wait = "0s"\n'


def raised_alert() -> AlertRaisedEvent:
    return AlertRaisedEvent(
        account_id="acct-crash",
        occurred_at=datetime.now(UTC),
        payload=Alert(
            alert_id="al-crash",
            rule="usage.sharp_drop",
            severity="warning",
            dedup_key="usage.sharp_drop:acct-crash",
            title="Active usage dropped",
            summary="Active usage fell 45 % week over week.",
            owner=Person(name="Jane Doe", email="jane@example.com"),
            account_name="Crash Test Corp",
            segment="smb",
            region="emea",
            arr=50_000.0,
            currency="EUR",
        ),
    )


async def test_an_email_cut_short_by_a_crash_is_sent_again_as_the_same_message(
    kafka_bootstrap, database_url, tmp_path
):
    tag = f"e2e{uuid.uuid4().hex[:8]}"
    rules = tmp_path / "notifier.toml"
    rules.write_text(RULES)
    smtp = SmtpCatcher()
    await smtp.start()
    env = service_env(tag, kafka_bootstrap, database_url, rules)
    env |= {"RADAR_NOTIFIER_SMTP_HOST": "127.0.0.1", "RADAR_NOTIFIER_SMTP_PORT": str(smtp.port)}
    notifier = ServiceProcess("notifier", free_port())
    processes = ServiceProcesses(env, tmp_path / "logs", [notifier])
    killed: list[CaughtEmail] = []

    def kill_on_first_message(message: CaughtEmail) -> None:
        if not killed:
            killed.append(message)
            processes.kill("notifier")

    smtp.on_accept = kill_on_first_message
    try:
        processes.start()
        await asyncio.to_thread(processes.wait_ready)
        topics = RuntimeSettings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=f"{tag}.")
        await publish(kafka_bootstrap, topics, [raised_alert()])
        await smtp.wait_for(1, timeout=60)
        assert killed and processes.exited() == {"notifier": -9}  # died of SIGKILL

        processes.start()
        await asyncio.to_thread(processes.wait_ready)
        first, second = await smtp.wait_for(2, timeout=60)
        assert first.message["Message-ID"] == second.message["Message-ID"]
        assert first.part("plain") == second.part("plain")

        registry = RuntimeSettings(database_url=database_url, auth_schema=f"{tag}_auth")
        admin = await api_token(registry, name="admin", role=Role.ADMIN, now=datetime.now(UTC))
        async with httpx.AsyncClient(base_url=notifier.url, headers=bearer(admin)) as http:
            [delivery] = (await http.get("/v1/deliveries")).json()["deliveries"]
            metrics = (await http.get("/metrics")).text
        assert delivery["status"] == "sent"
        assert (delivery["attempts"], delivery["interrupted"]) == (2, 1)
        assert delivery["last_error"].startswith("attempt 1 interrupted")
        assert 'radar_notification_resends_total{channel="email"} 1.0' in metrics
        assert len(smtp.messages) == 2
    finally:
        await asyncio.to_thread(processes.stop)
        await smtp.stop()
