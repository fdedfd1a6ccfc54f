"""The health service process: consumes the raw topics, scores accounts, raises alerts.

Wiring only: `bootstrap` builds the parts, `spec` declares what the service consumes,
emits, schedules and serves, `create_app` joins them to the runtime.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from radar_runtime import Clock, Runtime, ServiceSpec, build_app, run
from radar_runtime.auth.access import Access
from radar_runtime.rules import load_rules

from .api import accounts, activity, changes, health
from .migrations import MIGRATIONS
from .parts import HealthParts
from .projection import routes
from .projection.recompute import Recomputer
from .projection.replay import HistoryReplayer
from .rules import PACKAGE, HealthRules
from .settings import HealthSettings
from .work.scheduled_recompute import RecomputeAll, recompute_job
from .work.usage_recompute import UsageRecomputeWorker

DESCRIPTION = (
    "Explainable, event-time-correct customer health scores and early-warning alerts. "
    "Overrides by CSMs hold across recomputes until they expire."
)


def bootstrap(
    settings: HealthSettings, clock: Clock | None = None, *, rules: HealthRules | None = None
) -> HealthParts:
    """The service's parts; the rule file is read and validated here (`RuleFileError`)."""
    rules = rules or load_rules(HealthRules, PACKAGE, settings.rules_path)
    runtime = Runtime(settings, clock)
    recomputer = Recomputer(rules, service=settings.service_name)
    replayer = HistoryReplayer(recomputer, retention_days=settings.history_retention_days)
    settle = rules.alerts.backfill_settle_minutes
    return HealthParts(
        settings=settings,
        rules=rules,
        runtime=runtime,
        access=Access(settings, runtime.clock),
        recomputer=recomputer,
        replayer=replayer,
        usage_worker=UsageRecomputeWorker(
            runtime,
            recomputer,
            replayer,
            interval_seconds=settings.usage_recompute_seconds,
            chunk_size=settings.recompute_chunk_size,
            replay_chunk_size=settings.history_replay_chunk_size,
            gauge_seconds=settings.band_gauge_seconds,
            settle=timedelta(minutes=settle),
        ),
        recompute_all=RecomputeAll(
            runtime,
            recomputer,
            chunk_size=settings.recompute_chunk_size,
            history_retention_days=settings.history_retention_days,
            usage_retention_days=settings.usage_retention_days,
            parallel_chunks=settings.recompute_parallel_chunks,
        ),
    )


def spec(parts: HealthParts) -> ServiceSpec:
    settings = parts.settings
    return ServiceSpec(
        name=settings.service_name,
        migrations=MIGRATIONS,
        routes=routes(parts),
        emits=("health.scored", "alert.raised", "alert.resolved"),
        jobs=[recompute_job(parts.recompute_all, settings.scheduled_recompute_hours)],
        workers=[parts.usage_worker],
        routers=[health.router, accounts.router, activity.router, changes.router],
        access=parts.access,
    )


def create_app(
    settings: HealthSettings | None = None,
    *,
    clock: Clock | None = None,
    rules: HealthRules | None = None,
) -> FastAPI:
    """The app; a bad rule file stops it here, before anything starts."""
    parts = bootstrap(settings or HealthSettings(), clock, rules=rules)
    return build_app(spec(parts), parts.runtime, parts=parts, description=DESCRIPTION)


def main() -> None:
    run(create_app, HealthSettings())
