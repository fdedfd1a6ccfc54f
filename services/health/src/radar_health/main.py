"""The health service process: consumes the raw topics, scores accounts, raises alerts."""

from __future__ import annotations

import sys

from fastapi import FastAPI

from radar_runtime import Clock, Job, Runtime, ServiceSpec, build_app, routes, serve
from radar_runtime.rules import RuleFileError, load_rules
from radar_schemas.topics import CRM, SUPPORT, USAGE, types_of

from .api.context import STATE_KEY, HealthContext
from .api.routes import router
from .handlers import make_handler
from .jobs import RecomputeAll, recompute_job
from .migrations import MIGRATIONS
from .rules import PACKAGE, HealthRules
from .scoring.recompute import Recomputer
from .settings import HealthSettings
from .worker import UsageRecomputeWorker

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
        routes=routes((types_of(USAGE, SUPPORT, CRM), make_handler(recomputer))),
        emits=("health.scored", "alert.raised", "alert.resolved"),
        jobs=jobs(runtime),
        workers=workers(runtime),
        routers=[router],
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
