"""Notifier: alert → delivered latency and sustained delivery rate, to the local Slack
sink and SMTP catcher running in their own process, beside the runtime's no-op
consumer rate measured in the same run.

Latency is measured with group_wait = 0 (the issue's target excludes group_wait) and
group_interval = 1 ms, from each alert's occurred_at (stamped when it is published)
to the moment Slack or SMTP accepted the message that carried it.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy import func, select

from radar_notifier.main import create_app
from radar_notifier.settings import NotifierSettings
from radar_notifier.store.tables import deliveries, pending_notifications
from radar_runtime import RuntimeSettings
from radar_runtime.kafka import ensure_topics
from radar_schemas.codec import encode
from radar_schemas.common import Person
from radar_schemas.derived import Alert, AlertRaisedEvent
from radar_schemas.topics import ALERTS, USAGE

from .bench_runtime import runtime_rate
from .common import bootstrap, database_url, peak_rss_mib, produce, row, tag, usage_events

LATENCY_ALERTS = 1_000
LATENCY_RATE = 200  # alerts/s offered during the latency run
THROUGHPUT_ALERTS = 3_000
NOOP_EVENTS = 20_000
SEGMENTS = ("smb", "mid_market", "enterprise")

RULES = """
version = 1
[timings]
group_wait = "0s"
group_interval = "1ms"
[retry]
max_attempts = 5
base_delay = "1s"
[[routes]]
name = "segment-channels"
match = { segment = ["enterprise"] }
channels = ["slack:bench-enterprise"]
continue = true
[[routes]]
name = "mid-market-channel"
match = { segment = ["mid_market"] }
channels = ["slack:bench-mid-market"]
continue = true
[[routes]]
name = "everyone-by-email"
channels = ["email:owner"]
"""


@contextmanager
def sinks_process() -> Iterator[dict[str, Any]]:
    """`python -m radar_notifier.local` in its own process; yields where it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "radar_notifier.local"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        info = json.loads(process.stdout.readline())
        info["pid"] = process.pid
        yield info
    finally:
        process.terminate()
        process.wait(timeout=10)


def alerts(count: int, run: str) -> list[AlertRaisedEvent]:
    events = []
    for i in range(count):
        account = f"{run}-acct-{i}"
        events.append(
            AlertRaisedEvent(
                account_id=account,
                occurred_at=datetime.now(UTC),
                payload=Alert(
                    alert_id=f"{run}-alert-{i}",
                    rule="usage.sharp_drop",
                    severity="warning",
                    dedup_key=f"usage.sharp_drop:{account}",
                    title="Active usage dropped",
                    summary="Active usage fell 45 % week over week.",
                    owner=Person(name=f"CSM {i}", email=f"csm{i}.{run}@example.com"),
                    account_name=f"Account {i}",
                    segment=SEGMENTS[i % 3],  # type: ignore[arg-type]
                    region="emea",
                    arr=50_000.0 + i,
                ),
            )
        )
    return events


async def publish_paced(topic: str, events: Sequence[AlertRaisedEvent], rate: float) -> None:
    """Publish at `rate` per second, stamping occurred_at when each chunk leaves."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap(), acks="all", linger_ms=2)
    await producer.start()
    try:
        chunk = max(int(rate / 20), 1)
        started = time.monotonic()
        for start in range(0, len(events), chunk):
            now = datetime.now(UTC)
            batch = [
                e.model_copy(update={"occurred_at": now}) for e in events[start : start + chunk]
            ]
            await asyncio.gather(
                *[await producer.send(topic, encode(e), key=e.account_id.encode()) for e in batch]
            )
            ahead = started + (start + chunk) / rate - time.monotonic()
            if ahead > 0:
                await asyncio.sleep(ahead)
    finally:
        await producer.stop()


async def drained(app: Any, emails: int, since: datetime) -> bool:
    db = app.state.runtime.db
    async with db.sessions() as session:
        sent = await session.scalar(
            select(func.count()).where(
                deliveries.c.channel == "email",
                deliveries.c.status == "sent",
                deliveries.c.created_at >= since,
            )
        )
        waiting = await session.scalar(
            select(func.count()).where(pending_notifications.c.status == "waiting")
        )
        unsent = deliveries.c.status.in_(("pending", "sending"))
        pending = await session.scalar(select(func.count()).where(unsent))
    return sent >= emails and not waiting and not pending


async def wait_drained(app: Any, emails: int, since: datetime, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not await drained(app, emails, since):
        if time.monotonic() > deadline:
            raise TimeoutError("notifications were not all delivered in time")
        await asyncio.sleep(0.1)


async def sent_since(app: Any, since: datetime) -> list[Any]:
    async with app.state.runtime.db.sessions() as session:
        query = select(
            deliveries.c.channel, deliveries.c.sent_at, deliveries.c.first_occurred_at
        ).where(deliveries.c.status == "sent", deliveries.c.created_at >= since)
        return list((await session.execute(query)).all())


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def measure() -> list[dict[str, object]]:
    name = tag()
    with tempfile.TemporaryDirectory() as tmp, sinks_process() as sinks:
        rules = Path(tmp) / "rules.toml"
        rules.write_text(RULES)
        settings = NotifierSettings(
            kafka_bootstrap_servers=bootstrap(),
            database_url=database_url(),
            db_schema=f"bench_notifier_{name}",
            topic_prefix=f"bn{name}.",
            consumer_group=f"bench-notifier-{name}",
            rules_path=rules,
            allow_loopback_webhooks=True,
            smtp_port=sinks["smtp_port"],
            batch_timeout_ms=20,
            worker_poll_seconds=0.2,
            smtp_connections=16,
        )
        base = sinks["slack_sink"]
        environ = {
            "RADAR_NOTIFIER_SLACK_WEBHOOK_BENCH_ENTERPRISE": f"{base}/services/bench-enterprise",
            "RADAR_NOTIFIER_SLACK_WEBHOOK_BENCH_MID_MARKET": f"{base}/services/bench-mid-market",
        }
        topic = settings.topic(ALERTS)
        await ensure_topics(bootstrap(), {topic: settings.derived_topic_partitions})
        app = create_app(settings, environ=environ)
        async with app.router.lifespan_context(app):
            await app.state.runtime.wait_started()
            await _wait_assigned(app)

            since = datetime.now(UTC)
            await publish_paced(topic, alerts(LATENCY_ALERTS, f"l{name}"), LATENCY_RATE)
            await wait_drained(app, LATENCY_ALERTS, since)
            latency_rows = await sent_since(app, since)

            since = datetime.now(UTC)
            await publish_paced(topic, alerts(THROUGHPUT_ALERTS, f"t{name}"), 1_000_000)
            await wait_drained(app, THROUGHPUT_ALERTS, since)
            burst_rows = await sent_since(app, since)
        sinks_cpu = cpu_seconds(sinks["pid"])
    latencies = [(r.sent_at - r.first_occurred_at).total_seconds() for r in latency_rows]
    by_channel = {c: [r for r in latency_rows if r.channel == c] for c in ("email", "slack")}
    times = sorted(r.sent_at for r in burst_rows)
    rate = len(times) / max((times[-1] - times[0]).total_seconds(), 1e-3)
    noop = await _noop_rate(name)
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    return [
        row("notifier: notifications in latency run", len(latency_rows), "messages",
            f"{LATENCY_ALERTS} alerts at {LATENCY_RATE}/s; email {len(by_channel['email'])}, "
            f"slack digests {len(by_channel['slack'])}"),
        row("notifier: alert → delivered p50 (group_wait 0)", p50 * 1000, "ms", "reference"),
        row("notifier: alert → delivered p99 (group_wait 0)", p99 * 1000, "ms", "<= 1000 ms",
            p99 <= 1.0),
        row("notifier: alert → delivered mean", statistics.fmean(latencies) * 1000, "ms"),
        row("notifier: sustained delivery rate (burst of alerts)", rate, "notifications/s",
            ">= 200", rate >= 200),
        row("notifier: consumer loop no-op rate, same broker", noop, "events/s", "reference"),
        row("notifier: peak RSS (bench process, notifier in-process)", peak_rss_mib(), "MiB"),
        row("notifier: CPU used by the local Slack/SMTP stand-ins", sinks_cpu, "s",
            "own process; shares the 2 cores"),
    ]  # fmt: skip


async def _wait_assigned(app: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not (app.state.runtime.consumer and app.state.runtime.consumer.ready):
        if time.monotonic() > deadline:
            raise TimeoutError("the notifier's consumer got no partitions")
        await asyncio.sleep(0.1)


async def _noop_rate(name: str) -> float:
    settings = RuntimeSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        service_name=f"bench_noop_{name}",
        db_schema=f"bench_noop_{name}",
        topic_prefix=f"bnoop{name}.",
    )
    await produce(settings.topic(USAGE), usage_events(NOOP_EVENTS))
    return await runtime_rate(settings, NOOP_EVENTS)


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())


if __name__ == "__main__":
    from .servers import bench_servers

    os.environ.setdefault("LOG_LEVEL", "WARNING")
    with bench_servers():
        for r in run():
            print(r)
