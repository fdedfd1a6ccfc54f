"""Load for the pipeline benchmark: events posted through ingest's REST API (bursts,
paced open-loop streams, single events), probes reading what health and renewals
projected, and the raw produce/consume limits. Not a benchmark module itself (the
runner picks up `bench_*` only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from radar_notifier.local import SlackMessage
from radar_runtime import RuntimeSettings
from radar_runtime.kafka import ensure_topics, make_producer
from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent

from ..e2e.pipeline import API_KEY, Pipeline
from ..e2e.scenario import event
from .bench_runtime import raw_consume_rate
from .common import bootstrap, database_url, tag

BATCH = 500


def usage(accounts: Sequence[str], count: int, *, days: int = 30) -> list[UsageRecordedEvent]:
    """Quantity 1 each: a projection's total is the number of events it applied."""
    start = datetime.now(UTC) - timedelta(days=days)
    return [
        UsageRecordedEvent(
            account_id=accounts[i % len(accounts)],
            occurred_at=start + timedelta(seconds=(i * 7919) % (days * 86400)),
            payload=UsageRecorded(metric="logins", quantity=1, user_id=f"u{i % 50}"),
        )
        for i in range(count)
    ]


def owner_of(account: str) -> dict[str, str]:
    return {"name": "Dana Reyes", "email": f"csm-{account}@example.com"}


def crm(accounts: Sequence[str]) -> list[Envelope]:
    """account.upserted and one subscription.upserted (`<account>-sub`) per account."""
    at = datetime.now(UTC) - timedelta(days=300)
    today = date.today()
    events: list[Envelope] = []
    for i, account in enumerate(accounts):
        events.append(
            event(
                "account.upserted",
                account,
                at,
                {
                    "name": f"Bench {account}",
                    "segment": ("smb", "mid_market", "enterprise")[i % 3],
                    "region": ("amer", "emea", "apac")[i % 3],
                    "industry": "Software",
                    "owner": owner_of(account),
                },
            )
        )
        events.append(
            event(
                "subscription.upserted",
                account,
                at,
                {
                    "subscription_id": f"{account}-sub",
                    "plan": "Business",
                    "seats": 20 + i % 80,
                    "arr": 12000.0 + 100 * (i % 500),
                    "currency": "EUR",
                    "start_date": (today - timedelta(days=300)).isoformat(),
                    "end_date": (today + timedelta(days=30 + i % 335)).isoformat(),
                    "auto_renew": i % 2 == 0,
                },
            )
        )
    return events


def urgent_ticket(ticket_id: str, account: str) -> Envelope:
    """Health raises `support.escalation` for it in the batch that applies it."""
    return event(
        "ticket.opened",
        account,
        datetime.now(UTC),
        {
            "ticket_id": ticket_id,
            "priority": "urgent",
            "status": "open",
            "escalated": False,
            "subject": "Exports fail",
        },
    )


def delivered_at(messages: Iterable[SlackMessage], wanted: Iterable[str]) -> dict[str, float]:
    """When the first Slack message naming each wanted id (a ticket id) was accepted."""
    found: dict[str, float] = {}
    for message in messages:
        text = str(message.body)
        for wanted_id in set(wanted) - found.keys():
            if wanted_id in text:
                found[wanted_id] = message.received_at
    return found


def bodies(events: Sequence[Envelope], size: int = BATCH) -> list[tuple[int, bytes]]:
    """Batch-endpoint bodies, encoded before any clock starts; with their event counts."""
    return [
        (
            len(events[start : start + size]),
            b'{"events":[' + b",".join(encode(e) for e in events[start : start + size]) + b"]}",
        )
        for start in range(0, len(events), size)
    ]


@dataclass
class Ingest:
    """A client of ingest's REST API that resends a batch answered 503, as a well-behaved
    source system does; `refused` counts those answers."""

    pipeline: Pipeline
    client: httpx.AsyncClient = field(init=False)
    refused: int = 0

    def __post_init__(self) -> None:
        limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
        self.client = httpx.AsyncClient(
            base_url=self.pipeline.url("ingest"),
            timeout=60,
            limits=limits,
            headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def post(self, body: bytes, path: str = "/v1/events/batch") -> None:
        while True:
            try:
                response = await self.client.post(path, content=body)
            except httpx.TransportError:
                self.refused += 1
                await asyncio.sleep(0.5)
                continue
            if response.status_code == 202:
                return
            if response.status_code != 503:
                raise RuntimeError(f"ingest answered {response.status_code}: {response.text}")
            self.refused += 1
            await asyncio.sleep(float(response.headers.get("Retry-After", "1")))

    async def burst(self, batches: Sequence[tuple[int, bytes]], senders: int = 6) -> None:
        """Every batch as fast as ingest takes them, `senders` requests in flight."""
        queue = list(reversed(batches))

        async def sender() -> None:
            while queue:
                await self.post(queue.pop()[1])

        await asyncio.gather(*(sender() for _ in range(senders)))

    async def paced(
        self, batches: Sequence[tuple[int, bytes]], rate: float, stop: asyncio.Event | None = None
    ) -> float:
        """Open loop: batch i is sent at t0 + (events before it) / rate whether or not the
        earlier ones were answered. Returns events/s from t0 to the last answer."""
        tasks: list[asyncio.Task[None]] = []
        started = time.monotonic()
        sent = 0
        for count, body in batches:
            if stop is not None and stop.is_set():
                break
            delay = started + sent / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.post(body)))
            sent += count
        await asyncio.gather(*tasks)
        return sent / (time.monotonic() - started)


@dataclass
class Projections:
    """What health and renewals have projected, read from their schemas."""

    engine: AsyncEngine
    health_schema: str
    renewals_schema: str

    async def usage_applied(self, prefix: str) -> int:
        """Usage events applied to health's daily totals for accounts named `prefix…`."""
        query = (
            f'SELECT COALESCE(sum(total), 0) FROM "{self.health_schema}".usage_daily '
            "WHERE account_id LIKE :pattern"
        )
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(query), {"pattern": f"{prefix}%"}))

    async def subscriptions_projected(self, prefix: str) -> int:
        query = (
            f'SELECT count(DISTINCT subscription_id) FROM "{self.renewals_schema}".terms '
            "WHERE subscription_id LIKE :pattern"
        )
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(query), {"pattern": f"{prefix}%"}))

    async def accounts_known_to_health(self, prefix: str) -> int:
        query = (
            f'SELECT count(*) FROM "{self.health_schema}".accounts '
            "WHERE account_id LIKE :pattern AND owner_email IS NOT NULL"
        )
        async with self.engine.connect() as conn:
            return int(await conn.scalar(text(query), {"pattern": f"{prefix}%"}))


async def until(
    condition: Callable[[], Awaitable[bool]], timeout: float, every: float = 0.1
) -> float | None:
    """Monotonic time at which `condition` first held, or None after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return time.monotonic()
        await asyncio.sleep(every)
    return None


async def is_ready(base_url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2) as client:
            return (await client.get(f"{base_url}/readyz")).status_code == 200
    except httpx.HTTPError:
        return False


async def raw_rates(topic: str, events: Sequence[Envelope]) -> tuple[float, float, float]:
    """The limits beside the pipeline's figures, events/s on the same broker: raw produce
    (the runtime's producer options, events stamped as ingest stamps them), raw consume,
    and raw consume with every record decoded against the contract."""
    settings = RuntimeSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        service_name=f"bench_raw_{tag()}",
    )
    await ensure_topics(bootstrap(), {topic: settings.raw_topic_partitions})
    now = datetime.now(UTC)
    records = [
        (e.account_id.encode(), encode(e.model_copy(update={"source": "e2e", "received_at": now})))
        for e in events
    ]
    producer = make_producer(settings)
    await producer.start()
    try:
        started = time.monotonic()
        for begin in range(0, len(records), 5000):
            chunk = records[begin : begin + 5000]
            await asyncio.gather(*[await producer.send(topic, v, key=k) for k, v in chunk])
        produce_rate = len(records) / (time.monotonic() - started)
    finally:
        await producer.stop()
    consume_rate = await raw_consume_rate(topic, len(records))
    decode_rate = await raw_consume_rate(topic, len(records), decode_each=True)
    return produce_rate, consume_rate, decode_rate
