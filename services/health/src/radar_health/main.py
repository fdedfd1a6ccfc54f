"""The health service process: consumes the raw topics, scores accounts, raises alerts."""

from __future__ import annotations

import sys

from fastapi import FastAPI

from radar_runtime import Clock, Job, Runtime, ServiceSpec, build_app, serve
from radar_runtime.rules import RuleFileError, load_rules

from .api import accounts as accounts_api
from .api import health as health_api
from .api.context import STATE_KEY, HealthContext
from .migrations import MIGRATIONS
from .projection import routes as health_routes
from .projection.recompute import Recomputer
from .rules import PACKAGE, HealthRules
from .settings import HealthSettings
from .work.scheduled_recompute import RecomputeAll, recompute_job
from .work.usage_recompute import UsageRecomputeWorker

DESCRIPTION = (
    "Explainable, event-time-correct customer health scores and early-warning alerts. "
    "Overrides by CSMs hold across recomputes until they expire."
)


def create_app(
    settings: HealthSettings | None = None,
    *,
    clock: Clock | None = None,
    rules: HealthRules | None = None,
) -> FastAPI:
    """The app; the rule file is loaded and validated here, so a bad one stops the start."""
    settings = settings or HealthSettings()
    rules = rules or load_rules(HealthRules, PACKAGE, settings.config_path)
    recomputer = Recomputer(rules, service=settings.service_name)
    runtime = Runtime(settings, clock)

    def jobs(runtime: Runtime) -> list[Job]:
        recompute_all = RecomputeAll(
            runtime,
            recomputer,
            chunk_size=settings.recompute_chunk_size,
            history_retention_days=settings.history_retention_days,
            usage_retention_days=settings.usage_retention_days,
            parallel_chunks=settings.recompute_parallel_chunks,
        )
        runtime.state["recompute_all"] = recompute_all
        return [recompute_job(recompute_all, settings.scheduled_recompute_hours)]

    def workers(runtime: Runtime) -> list[UsageRecomputeWorker]:
        worker = UsageRecomputeWorker(
            runtime,
            recomputer,
            interval_seconds=settings.usage_recompute_seconds,
            chunk_size=settings.recompute_chunk_size,
            gauge_seconds=settings.band_gauge_seconds,
        )
        runtime.state["usage_worker"] = worker
        return [worker]

    spec = ServiceSpec(
        name=settings.service_name,
        migrations=MIGRATIONS,
        routes=health_routes(recomputer),
        emits=("health.scored", "alert.raised", "alert.resolved"),
        jobs=jobs(runtime),
        workers=workers(runtime),
        routers=[health_api.router, accounts_api.router],
    )
    app = build_app(spec, runtime, title="Renewal Radar health", description=DESCRIPTION)
    app.state.runtime.state[STATE_KEY] = HealthContext(rules, recomputer)
    return app


def main() -> None:
    settings = HealthSettings()
    try:
        app = create_app(settings)
    except RuleFileError as error:
        print(f"radar-health: invalid rule file\n{error}", file=sys.stderr)
        raise SystemExit(2) from None
    serve(app, settings)
