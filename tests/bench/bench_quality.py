"""Quality: does the renewal risk score predict churn on a simulated year?

For each of three seeds, `radar simulate`'s generator makes a year of history for
QUALITY_ACCOUNTS accounts (usage, tickets, surveys, CRM), published to the raw topics as
ingest would; the real health and renewals services consume it (in this process, one
broker and database), health's scores reach renewals through cs.health.v1, and the
renewals backtest then scores every term due in the year 90 days before its renewal date
against the outcomes observed and against the simulation's truth file. The notifier
(shipped rules, email to a local SMTP catcher) takes both services' alerts, so the run
also counts what loading the year told people: notifications per account, notified
alerts that flapped (a second notified episode of one condition, or one over within 10
minutes by event time, or told resolved to someone within 10 minutes of being told it was
raised), and amounts in alerts shown in a currency other than their own.

Target (issue: signals people can trust): AUC >= 0.75 at the 90-day horizon against the
observed outcomes, on each seed, with the calibration spread over several buckets. The
rules are the shipped defaults: nothing is tuned to the simulator.

Alone: `uv run python -m tests.bench quality` (QUALITY_ACCOUNTS=100 for a quicker look).
"""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, select

from radar_cli.simulate.model import SimulationConfig, generate
from radar_cli.simulate.truth import build_truth
from radar_health.main import create_app as health_app
from radar_health.settings import HealthSettings
from radar_health.store.tables import history_queue
from radar_notifier.main import create_app as notifier_app
from radar_notifier.settings import NotifierSettings
from radar_notifier.store.notices import count_waiting
from radar_notifier.store.tables import alerts as notifier_alerts
from radar_notifier.store.tables import deliveries, episodes, pending_notifications
from radar_renewals.domain.predictions import Backtest, truth_outcomes
from radar_renewals.main import create_app as renewals_app
from radar_renewals.parts import RenewalsParts
from radar_renewals.settings import RenewalsSettings
from radar_renewals.store.facts import closed_histories
from radar_runtime import Runtime
from radar_runtime.db import outbox, processed_events
from radar_schemas import Envelope
from radar_schemas.events import EVENT_MODELS
from radar_schemas.topics import HEALTH, topic_for

from .bench_notifier import sinks_process
from .common import bootstrap, database_url, produce, row

SEEDS = (1, 2, 3)
ACCOUNTS = int(os.environ.get("QUALITY_ACCOUNTS", "300"))
DAYS = int(os.environ.get("QUALITY_DAYS", "365"))
AUC_TARGET = 0.75
AMOUNT = re.compile(r"\b([A-Z]{3}) (\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\b")
SOURCES = {"cs.usage.v1": "analytics", "cs.support.v1": "support", "cs.crm.v1": "crm"}


def run() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with sinks_process() as sinks, tempfile.TemporaryDirectory() as tmp:
        for seed in SEEDS:
            rows += asyncio.run(measure(seed, sinks["smtp_port"], Path(tmp)))
    return rows


async def measure(seed: int, smtp_port: int, tmp: Path) -> list[dict[str, object]]:
    end = datetime.now(UTC).date()
    config = SimulationConfig(ACCOUNTS, DAYS, seed, end)
    accounts = config.accounts_list()
    events = [_envelope(event) for event in generate(config, accounts)]
    truth = truth_outcomes(build_truth(accounts, seed=seed, window=config.window, events=0))
    tag = uuid.uuid4().hex[:8]
    shared = {
        "kafka_bootstrap_servers": bootstrap(),
        "database_url": database_url(),
        "topic_prefix": f"q{tag}.",
        "auth_schema": f"qa_{tag}",
        "batch_timeout_ms": 50,
        "outbox_poll_seconds": 0.2,
    }
    # Health holds a backfill's verdicts until it stops arriving, then replays it by
    # event time: 1 minute instead of the shipped 5 keeps the run short.
    health_rules = tmp / f"health-{tag}.toml"
    health_rules.write_text("[rules]\nbackfill_settle_minutes = 1\n")
    health_settings = HealthSettings(
        **shared,  # type: ignore[arg-type]
        db_schema=f"qh_{tag}",
        consumer_group=f"qh-{tag}",
        rules_path=health_rules,
    )
    renewals_settings = RenewalsSettings(
        **shared, db_schema=f"qr_{tag}", consumer_group=f"qr-{tag}"
    )  # type: ignore[arg-type]
    # The shipped rules, email only (to the local SMTP catcher), for the counts; the
    # history hold settles after 10 s without late alerts instead of 2 minutes.
    rules = tmp / f"notifier-{tag}.toml"
    rules.write_text(
        '[history]\nsettle = "10s"\n\n'
        '[default_route]\nname = "default"\nchannels = ["email:owner"]\n'
    )
    notifier_settings = NotifierSettings(
        **shared,  # type: ignore[arg-type]
        db_schema=f"qn_{tag}",
        consumer_group=f"qn-{tag}",
        rules_path=rules,
        smtp_port=smtp_port,
        worker_poll_seconds=0.2,
    )
    health = health_app(health_settings)
    renewals = renewals_app(renewals_settings)
    notifier = notifier_app(notifier_settings)
    async with AsyncExitStack() as running:
        # One after the other: Alembic's migration context is one per process.
        await running.enter_async_context(health.router.lifespan_context(health))
        health_runtime: Runtime = health.state.runtime
        await health_runtime.wait_started()
        await running.enter_async_context(renewals.router.lifespan_context(renewals))
        renewals_runtime: Runtime = renewals.state.runtime
        await renewals_runtime.wait_started()
        await running.enter_async_context(notifier.router.lifespan_context(notifier))
        notifier_runtime: Runtime = notifier.state.runtime
        await notifier_runtime.wait_started()
        by_topic: dict[str, list[Envelope]] = {}
        for event in events:
            by_topic.setdefault(topic_for(event.type), []).append(event)
        for topic, sent in by_topic.items():
            await produce(health_settings.topic(topic), sent)
        # Health consumes every raw event; renewals its CRM types and health's scores.
        await _until(lambda: _processed(health_runtime, at_least=len(events)), "health")
        await _until(lambda: _replayed(health_runtime), "health's history replay")
        await _until(lambda: _published(health_runtime), "health's outbox")
        scores = await _emitted(health_runtime, health_settings.topic(HEALTH))
        await _until(_settled(renewals_runtime), "renewals")
        await _until(_settled(notifier_runtime), "notifier")
        await _until(lambda: _delivered(notifier_runtime), "notifier's deliveries")
        told = await _told(notifier_runtime)
        parts: RenewalsParts = renewals.state.parts
        backtest = Backtest(config.window.start_date, end, truth=truth)
        db = renewals_runtime.db
        assert db is not None
        async with db.sessions() as session:
            also = {subscription for subscription, _ in truth}
            async for facts in closed_histories(session, backtest.start, end, also=also):
                backtest.score(parts.evaluator, facts, end)
    observed, drawn = backtest.report(), backtest.truth_report()
    assert drawn is not None
    spread = sum(1 for bucket in observed.bins if bucket.count)
    label = f"seed {seed}, {ACCOUNTS} accounts x {DAYS} days"
    print(f"   {label}: {len(events):,} events, {scores:,} health scores\n{observed.to_text()}")
    return [
        row(
            f"renewal risk AUC at 90 days, observed ({label})",
            observed.auc or 0.0,
            "AUC",
            f">= {AUC_TARGET}",
            (observed.auc or 0.0) >= AUC_TARGET,
        ),
        row(f"renewal risk AUC at 90 days, vs the truth ({label})", drawn.auc or 0.0, "AUC"),
        row(
            f"calibration buckets with predictions ({label})", spread, "of 10", ">= 3", spread >= 3
        ),
        row(f"closed terms scored ({label})", observed.count, "terms"),
        row(
            f"notifications per account, loading the history ({label})",
            told["sent"] / ACCOUNTS,
            "per account",
            f"{told['notified']} conditions told",
        ),
        row(
            f"notified alerts that flapped ({label})",
            told["flapped"],
            "conditions",
            "0",
            told["flapped"] == 0,
        ),
        row(
            f"notified alerts over within 10 minutes ({label})",
            told["brief"],
            "episodes",
            "0",
            told["brief"] == 0,
        ),
        row(
            f"told resolved within 10 minutes of being told raised ({label})",
            told["retracted"],
            "notices",
            "0",
            told["retracted"] == 0,
        ),
        row(
            f"amounts in alerts in another currency ({label})",
            told["wrong_currency"],
            "amounts",
            f"0 of {told['amounts']}",
            told["wrong_currency"] == 0,
        ),
    ]


def _envelope(event: dict[str, object]) -> Envelope:
    """A simulated event as ingest would store it: its model, and its source's name."""
    event_type = str(event["type"])
    source = SOURCES[topic_for(event_type)]
    return EVENT_MODELS[event_type].model_validate({**event, "source": source})


async def _processed(runtime: Runtime, *, at_least: int) -> bool:
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        count = await session.scalar(select(func.count()).select_from(processed_events))
    return (count or 0) >= at_least


def _settled(runtime: Runtime, quiet_checks: int = 10) -> Callable[[], Awaitable[bool]]:
    """True once the count of events applied has not moved for `quiet_checks` checks."""
    seen: list[int] = []

    async def check() -> bool:
        db = runtime.db
        assert db is not None
        async with db.sessions() as session:
            count = await session.scalar(select(func.count()).select_from(processed_events))
        seen.append(count or 0)
        return len(seen) > quiet_checks and len(set(seen[-quiet_checks:])) == 1

    return check


async def _replayed(runtime: Runtime) -> bool:
    """No account's late history still waits to be replayed day by day."""
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        return not await session.scalar(select(func.count()).select_from(history_queue))


async def _published(runtime: Runtime) -> bool:
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        waiting = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
        )
    return not waiting


async def _delivered(runtime: Runtime) -> bool:
    """No notice held or waiting for its group, and no delivery unsent."""
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        # Settled notices (grouped, superseded, dropped) stay until the purge.
        if await count_waiting(session):
            return False
        unsent = await session.scalar(
            select(func.count())
            .select_from(deliveries)
            .where(deliveries.c.status.in_(("pending", "sending")))
        )
    return not unsent


async def _told(runtime: Runtime) -> dict[str, int]:
    """What the notifier told people, from its episodes, deliveries and alerts."""
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        told = (
            await session.execute(
                select(episodes.c.dedup_key, episodes.c.raised_at, episodes.c.resolved_at).where(
                    episodes.c.notified_at.is_not(None)
                )
            )
        ).all()
        sent = await session.scalar(
            select(func.count()).select_from(deliveries).where(deliveries.c.status == "sent")
        )
        views = (await session.execute(select(notifier_alerts.c.view))).scalars().all()
        retracted = await session.scalar(_told_resolved_within(timedelta(minutes=10)))
    per_condition: dict[str, int] = {}
    for dedup_key, _, _ in told:
        per_condition[dedup_key] = per_condition.get(dedup_key, 0) + 1
    brief = sum(
        1 for _, raised, resolved in told if resolved and resolved - raised < timedelta(minutes=10)
    )
    amounts, wrong = _currency_check(views)
    return {
        "sent": sent or 0,
        "notified": len(per_condition),
        "flapped": sum(1 for count in per_condition.values() if count > 1),
        "brief": brief,
        "retracted": retracted or 0,
        "amounts": amounts,
        "wrong_currency": wrong,
    }


def _told_resolved_within(span: timedelta) -> Any:
    """Recipients told an alert resolved within `span` (by the clock) of being told it
    was raised: what a person experiences as a flap, whatever the events' own times."""
    up, down = pending_notifications.alias("up"), pending_notifications.alias("down")
    return (
        select(func.count())
        .select_from(
            up.join(
                down,
                and_(
                    up.c.recipient_key == down.c.recipient_key, up.c.dedup_key == down.c.dedup_key
                ),
            )
        )
        .where(
            up.c.notice == "raised",
            up.c.status == "grouped",
            down.c.notice == "resolved",
            down.c.status == "grouped",
            down.c.enqueued_at > up.c.enqueued_at,
            down.c.enqueued_at <= up.c.enqueued_at + span,
        )
    )


def _currency_check(views: list[Any]) -> tuple[int, int]:
    """Amounts (a currency code before a number) in alert titles and summaries, and how
    many name a currency other than the alert's own."""
    amounts = wrong = 0
    for view in views:
        own = view.get("currency")
        for code, _ in AMOUNT.findall(f"{view.get('title', '')} {view.get('summary', '')}"):
            if code in ("ARR", "NPS", "CSM", "CRM", "SLA", "CSV"):
                continue
            amounts += 1
            wrong += own is not None and code != own
    return amounts, wrong


async def _emitted(runtime: Runtime, topic: str) -> int:
    db = runtime.db
    assert db is not None
    async with db.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.topic == topic)
        )
    return count or 0


async def _until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 3600) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise TimeoutError(f"{what} did not catch up within {timeout:.0f} s")
        await asyncio.sleep(1)
