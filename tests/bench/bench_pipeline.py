"""The whole pipeline: the four services as separate processes (tests/e2e/pipeline.py),
events posted through ingest's REST API, figures beside raw aiokafka produce and
consume rates of the same events on the same broker, measured in the same run.

- limits: raw produce (the runtime's producer options) and raw consume of the burst's
  usage events, stamped as ingest stamps them, on a topic of their own;
- burst: 80,000 usage events for 500 accounts plus 1,000 CRM events (an account and a
  subscription each) posted by 6 concurrent senders in batches of 500; end to end is
  from the first post until health's daily usage totals hold every usage event AND
  renewals has projected every subscription;
- steady: 3,000 events/s offered (open loop) for 20 s; the rate achieved and the lag
  from the last acknowledged post until health's totals hold every event;
- latency: under a 1,000 events/s background usage stream, an urgent `ticket.opened`
  every 0.5 s (health raises `support.escalation` at once; rules route every alert to
  Slack with group_wait 0 and group_interval 10 ms), from just before its POST to the
  moment the local Slack sink accepted the message naming the ticket;
- recovery: health SIGKILLed while a 40,000-event burst is being posted, then started
  again: seconds until /readyz answers 200 and until its projection holds every event;
- peak RSS (VmHWM) of each service process, the highest seen over the run.

Alone: `uv run python -m tests.bench pipeline`.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine

from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope

from ..e2e.pipeline import CHANNEL, Pipeline, start_pipeline, stop_pipeline
from .bench_ingest import peak_rss_mib, percentile
from .common import bootstrap, database_url, process_cpu_seconds, row
from .pipeline_load import (
    Ingest,
    Projections,
    bodies,
    crm,
    delivered_at,
    is_ready,
    raw_rates,
    until,
    urgent_ticket,
    usage,
)

SERVICES = ("ingest", "health", "renewals", "notifier")
BURST_ACCOUNTS = 500
BURST_USAGE = 80_000
STEADY_RATE = 3_000
STEADY_SECONDS = 20
BACKGROUND_RATE = 1_000
LATENCY_SAMPLES = 60
LATENCY_EVERY = 0.5
RECOVERY_EVENTS = 40_000
WAIT = 240.0  # seconds any one projection may take before the figure is a miss

THROUGHPUT_TARGET = 5_000
P99_TARGET_MS = 2_000

RULES = """
version = 1
inhibit_rules = []

[timings]
group_wait = "0s"
group_interval = "10ms"

[[routes]]
name = "everything-to-slack"
match = { min_severity = "info" }
channels = ["slack:cs-alerts"]

[default_route]
name = "default"
channels = ["slack:cs-alerts"]

[slack]
allowed_webhook_hosts = ["127.0.0.1"]
"""


class Run:
    def __init__(self, pipeline: Pipeline, projections: Projections) -> None:
        self.pipeline = pipeline
        self.ingest = Ingest(pipeline)
        self.projections = projections
        self.prefix = pipeline.tag
        self.peak_rss: dict[str, float] = {}

    def pid(self, service: str) -> int:
        return self.pipeline.processes.processes[service].pid

    def sample_rss(self) -> None:
        """VmHWM only grows within a process: sampled before health is killed and after."""
        for service in SERVICES:
            rss = peak_rss_mib(self.pid(service))
            self.peak_rss[service] = max(self.peak_rss.get(service, 0.0), rss)

    def cpu(self) -> dict[str, float]:
        return {s: process_cpu_seconds(self.pid(s)) for s in SERVICES}

    async def burst(self, crm_events: list[Envelope], usage_events: list[Envelope]) -> list[dict]:
        prefix = f"{self.prefix}-b"
        batches = bodies(crm_events) + bodies(usage_events)
        total = len(crm_events) + len(usage_events)
        subscriptions = len(crm_events) // 2
        cpu_before = self.cpu()

        # When each service's projection first held everything posted.
        finished: dict[str, float] = {}
        expected = {"health": len(usage_events), "renewals": subscriptions}
        probes = {
            "health": self.projections.usage_applied,
            "renewals": self.projections.subscriptions_projected,
        }

        async def projected() -> bool:
            for service, probe in probes.items():
                if service not in finished and await probe(prefix) == expected[service]:
                    finished[service] = time.monotonic()
            return len(finished) == len(probes)

        started = time.monotonic()
        watching = asyncio.create_task(until(projected, WAIT, every=0.2))
        await self.ingest.burst(batches)
        acknowledged = time.monotonic()
        done = await watching
        cpu = {s: v - cpu_before[s] for s, v in self.cpu().items()}
        self.sample_rss()
        ingest_rate = total / (acknowledged - started)
        if done is None:
            return [
                row(
                    "pipeline: burst end to end (not projected in time)",
                    0,
                    "events/s",
                    f">= {THROUGHPUT_TARGET:,}",
                    False,
                )
            ]
        rate = total / (done - started)
        rows = [
            row(
                f"pipeline: burst end to end, {total:,} events",
                rate,
                "events/s",
                f">= {THROUGHPUT_TARGET:,}",
                rate >= THROUGHPUT_TARGET,
            ),
            row(
                "pipeline:   burst accepted by ingest (202s)", ingest_rate, "events/s", "reference"
            ),
            row(
                "pipeline:   burst first post → last 202", acknowledged - started, "s", "reference"
            ),
            row(
                "pipeline:   burst first post → health has all usage",
                finished["health"] - started,
                "s",
                "reference",
            ),
            row(
                "pipeline:   burst first post → renewals has all subs",
                finished["renewals"] - started,
                "s",
                "reference",
            ),
        ]
        rows += [
            row(f"pipeline:   burst CPU per event, {s}", 1e6 * seconds / total, "us", "reference")
            for s, seconds in cpu.items()
        ]
        return rows

    async def steady(self) -> list[dict]:
        prefix = f"{self.prefix}-s"
        accounts = [f"{prefix}{i}" for i in range(BURST_ACCOUNTS)]
        count = STEADY_RATE * STEADY_SECONDS
        batches = bodies(usage(accounts, count), size=STEADY_RATE // 10)

        async def projected() -> bool:
            return await self.projections.usage_applied(prefix) == count

        achieved = await self.ingest.paced(batches, STEADY_RATE)
        acknowledged = time.monotonic()
        done = await until(projected, WAIT, every=0.1)
        self.sample_rss()
        lag = (done or time.monotonic()) - acknowledged
        return [
            row(
                f"pipeline: steady {STEADY_RATE:,}/s offered {STEADY_SECONDS} s, achieved",
                achieved,
                "events/s",
                f">= {0.95 * STEADY_RATE:,.0f}",
                achieved >= 0.95 * STEADY_RATE,
            ),
            row(
                "pipeline:   steady last 202 → all projected",
                lag,
                "s",
                "reference" if done else "projected in time",
                None if done else False,
            ),
        ]

    async def latency(self) -> list[dict]:
        prefix = f"{self.prefix}-l"
        accounts = [f"{prefix}{i}" for i in range(10)]
        await self.ingest.post(bodies(crm(accounts))[0][1])
        known = await until(lambda: self._all_known(prefix, len(accounts)), WAIT, every=0.2)
        if known is None:
            return [row("pipeline: event → Slack (accounts never projected)", 0, "ms", "", False)]

        seconds = 5 + LATENCY_SAMPLES * LATENCY_EVERY + 30
        background = bodies(
            usage([f"{self.prefix}-g{i}" for i in range(200)], int(BACKGROUND_RATE * seconds)),
            size=BACKGROUND_RATE // 10,
        )
        stop = asyncio.Event()
        load = asyncio.create_task(self.ingest.paced(background, BACKGROUND_RATE, stop))
        await asyncio.sleep(3)  # the background stream reaches its rate first

        sent: dict[str, float] = {}
        posts = []
        started = time.monotonic()
        for n in range(LATENCY_SAMPLES):
            delay = started + n * LATENCY_EVERY - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            ticket = f"TK-{self.prefix}-{n:03d}"
            body = encode(urgent_ticket(ticket, accounts[n % len(accounts)]))
            sent[ticket] = time.time()
            posts.append(asyncio.create_task(self.ingest.post(body, "/v1/events")))
        await asyncio.gather(*posts)

        received: dict[str, float] = {}

        async def all_delivered() -> bool:
            received.update(delivered_at(self.pipeline.slack.for_channel(CHANNEL), sent))
            return len(received) == len(sent)

        await until(all_delivered, 30, every=0.2)
        stop.set()
        background_rate = await load
        self.sample_rss()
        latencies = [1000 * (received[t] - sent[t]) for t in received]
        if not latencies:
            return [row("pipeline: event → Slack (nothing delivered)", 0, "ms", "", False)]
        p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
        complete = len(latencies) == len(sent)
        return [
            row(
                f"pipeline: ticket.opened → Slack p50, {BACKGROUND_RATE:,}/s load",
                p50,
                "ms",
                "reference",
            ),
            row(
                f"pipeline: ticket.opened → Slack p99, {BACKGROUND_RATE:,}/s load",
                p99,
                "ms",
                f"<= {P99_TARGET_MS:,} ms (group_wait 0)",
                p99 <= P99_TARGET_MS and complete,
            ),
            row(
                "pipeline:   alerts delivered to Slack",
                len(latencies),
                "alerts",
                f"= {len(sent)}",
                complete,
            ),
            row(
                "pipeline:   background usage achieved",
                background_rate,
                "events/s",
                "reference",
            ),
        ]

    async def _all_known(self, prefix: str, count: int) -> bool:
        return await self.projections.accounts_known_to_health(prefix) == count

    async def recovery(self) -> list[dict]:
        prefix = f"{self.prefix}-r"
        events = usage([f"{prefix}{i}" for i in range(200)], RECOVERY_EVENTS)
        posting = asyncio.create_task(self.ingest.burst(bodies(events)))

        async def some_applied() -> bool:
            return await self.projections.usage_applied(prefix) > 0

        async def caught_up() -> bool:
            return await self.projections.usage_applied(prefix) == RECOVERY_EVENTS

        await until(some_applied, WAIT)
        self.sample_rss()
        self.pipeline.processes.kill("health")
        await posting
        backlog = RECOVERY_EVENTS - await self.projections.usage_applied(prefix)

        restarted = time.monotonic()
        self.pipeline.processes.start("health")
        ready = await until(lambda: is_ready(self.pipeline.url("health")), WAIT)
        done = await until(caught_up, WAIT)
        self.sample_rss()
        if ready is None or done is None:
            return [row("pipeline: health restart (not caught up in time)", 0, "s", "", False)]
        return [
            row(
                "pipeline: health killed, restart → /readyz 200",
                ready - restarted,
                "s",
                "reference",
            ),
            row(
                f"pipeline: health restart → caught up, {backlog:,} backlog",
                done - restarted,
                "s",
                "reference",
            ),
            row(
                "pipeline:   backlog applied after ready",
                backlog / max(done - ready, 1e-3),
                "events/s",
                "reference",
            ),
        ]


async def measure() -> list[dict]:
    load_before = os.getloadavg()[0]
    engine = create_async_engine(database_url())
    with tempfile.TemporaryDirectory(prefix="radar-bench-pipeline-") as workdir:
        pipeline = await start_pipeline(
            bootstrap(), database_url(), Path(workdir), notifier_rules=RULES
        )
        projections = Projections(engine, pipeline.schema("health"), pipeline.schema("renewals"))
        run = Run(pipeline, projections)
        try:
            accounts = [f"{pipeline.tag}-b{i}" for i in range(BURST_ACCOUNTS)]
            crm_events, usage_events = crm(accounts), usage(accounts, BURST_USAGE)
            produce_rate, consume_rate, decode_rate = await raw_rates(
                f"{pipeline.tag}.bench-raw.usage", usage_events
            )
            burst = await run.burst(crm_events, usage_events)
            steady = await run.steady()
            latency = await run.latency()
            recovery = await run.recovery()
        finally:
            await run.ingest.close()
            await stop_pipeline(pipeline)
            await engine.dispose()
    end_to_end = burst[0]["value"]
    assert isinstance(end_to_end, float | int)
    return [
        row("pipeline: raw aiokafka produce, same events", produce_rate, "events/s", "limit"),
        row("pipeline: raw aiokafka consume, same events", consume_rate, "events/s", "limit"),
        row("pipeline: raw consume + contract decode", decode_rate, "events/s", "limit"),
        *burst,
        row(
            "pipeline:   burst end to end / raw produce",
            100 * end_to_end / produce_rate,
            "%",
            "reference",
        ),
        *steady,
        *latency,
        *recovery,
        row(
            "pipeline: ingest 503s resent by the client",
            run.ingest.refused,
            "requests",
            "reference",
        ),
        *(
            row(f"pipeline: peak RSS {service} process", rss, "MiB", "reference")
            for service, rss in run.peak_rss.items()
        ),
        row("pipeline: load average (1 min) at start", load_before, "", f"{os.cpu_count()} cores"),
        row(
            "pipeline: load average (1 min) at end",
            os.getloadavg()[0],
            "",
            f"{os.cpu_count()} cores",
        ),
    ]


def run() -> list[dict]:
    return asyncio.run(measure())
