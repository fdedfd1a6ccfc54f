"""The renewals service process."""

from __future__ import annotations

import gc
import sys
from datetime import timedelta

from fastapi import FastAPI

from radar_runtime import Clock, Job, Runtime, ServiceSpec, build_app, routes, serve
from radar_runtime.rules import RuleFileError
from radar_schemas.topics import ALERTS, CRM, HEALTH, types_of

from .api import ROUTERS
from .domain.evaluation import Evaluator
from .metrics import GaugeRefresher
from .migrations import MIGRATIONS
from .parts import STATE_KEY, RenewalsContext
from .projection import RenewalsHandler
from .projection.refresh import Projector
from .rules import read_rules
from .settings import RenewalsSettings
from .work.transitions import Transitions

DESCRIPTION = """Renewal state per subscription term (upcoming, in window, overdue, renewed
early / on time / late, churned), risk with its drivers, p_renew, the forecast, KPIs and a
printable leadership report. Consumes cs.crm.v1, cs.health.v1 and the support.escalation
alerts on cs.alerts.v1; emits renewal.state_changed and renewal alerts."""


def create_app(settings: RenewalsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    """Raises RuleFileError when the rule file (or calibration file) is invalid."""
    settings = settings or RenewalsSettings()
    raise_gc_threshold(settings.gc_threshold)
    rules = read_rules(settings.rules_path, settings.calibration_path)
    evaluator = Evaluator(rules)
    projector = Projector(evaluator)

    runtime = Runtime(settings, clock)
    gauges = GaugeRefresher(runtime, settings.metrics_refresh_seconds)

    def jobs(runtime: Runtime) -> list[Job]:
        transitions = Transitions(runtime, projector, chunk=settings.transitions_chunk)
        interval = timedelta(seconds=settings.transitions_check_seconds)
        return [Job("renewal-transitions", interval, transitions.run)]

    spec = ServiceSpec(
        name="renewals",
        migrations=MIGRATIONS,
        # cs.alerts.v1 only for the health service's support.escalation alerts.
        routes=routes((types_of(CRM, HEALTH, ALERTS), RenewalsHandler(projector))),
        emits=("renewal.state_changed", "alert.raised", "alert.resolved"),
        jobs=jobs(runtime),
        workers=[gauges],
        routers=ROUTERS,
    )
    app = build_app(spec, runtime, title="Renewal Radar renewals", description=DESCRIPTION)
    runtime.state[STATE_KEY] = RenewalsContext(rules, evaluator, projector, gauges)
    return app


def raise_gc_threshold(threshold: int) -> None:
    """A batch re-derives thousands of terms, allocating hundreds of thousands of
    short-lived (acyclic) objects; collecting every 700 allocations cost a quarter of
    the consumer's time in the benchmark. Never lowers a threshold set elsewhere."""
    first, *older = gc.get_threshold()
    if threshold > first:
        gc.set_threshold(threshold, *older)


def main() -> None:
    settings = RenewalsSettings()
    try:
        app = create_app(settings)
    except RuleFileError as error:
        print(f"radar-renewals: invalid rule file\n{error}", file=sys.stderr)
        raise SystemExit(2) from None
    serve(app, settings)
