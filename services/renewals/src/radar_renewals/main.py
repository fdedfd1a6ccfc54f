"""The renewals service process: wiring only."""

from __future__ import annotations

import gc
from datetime import timedelta

from fastapi import FastAPI

from radar_runtime import Clock, Job, Runtime, ServiceSpec, build_app, run
from radar_runtime.auth.access import Access

from .api import ROUTERS
from .domain.evaluation import Evaluator
from .migrations import MIGRATIONS
from .parts import RenewalsParts
from .projection import routes
from .projection.refresh import Refresher
from .rules import RenewalsRules, read_rules
from .settings import RenewalsSettings
from .work.gauges import Gauges
from .work.totals import TotalsFolder
from .work.transitions import Transitions

DESCRIPTION = """Renewal state per subscription term (upcoming, in window, overdue, renewed
early / on time / late, churned), risk with its drivers, p_renew, the forecast, KPIs and a
printable leadership report. Consumes cs.crm.v1 and cs.health.v1 (health scores, with the
open escalations health counted); emits renewal.state_changed and renewal alerts."""


def bootstrap(
    settings: RenewalsSettings, clock: Clock | None = None, *, rules: RenewalsRules | None = None
) -> RenewalsParts:
    """The service's parts; raises RuleFileError when the rule file (or the calibration
    file) is invalid."""
    rules = rules or read_rules(settings.rules_path, settings.calibration_path)
    runtime = Runtime(settings, clock)
    refresher = Refresher(Evaluator(rules))
    return RenewalsParts(
        settings=settings,
        rules=rules,
        runtime=runtime,
        access=Access(settings, runtime.clock),
        evaluator=refresher.evaluator,
        refresher=refresher,
        transitions=Transitions(runtime, refresher, chunk=settings.transitions_chunk),
        gauges=Gauges(runtime, settings.metrics_refresh_seconds),
        totals=TotalsFolder(runtime, settings.totals_fold_seconds),
    )


def spec(parts: RenewalsParts) -> ServiceSpec:
    transitions = timedelta(seconds=parts.settings.transitions_check_seconds)
    return ServiceSpec(
        name="renewals",
        migrations=MIGRATIONS,
        routes=routes(parts),
        emits=("renewal.state_changed", "alert.raised", "alert.resolved"),
        jobs=[Job("renewal-transitions", transitions, parts.transitions.run)],
        workers=[parts.gauges, parts.totals],
        routers=ROUTERS,
        access=parts.access,
    )


def create_app(
    settings: RenewalsSettings | None = None,
    *,
    clock: Clock | None = None,
    rules: RenewalsRules | None = None,
) -> FastAPI:
    settings = settings or RenewalsSettings()
    raise_gc_threshold(settings.gc_threshold)
    parts = bootstrap(settings, clock, rules=rules)
    return build_app(spec(parts), parts.runtime, parts=parts, description=DESCRIPTION)


def raise_gc_threshold(threshold: int) -> None:
    """A batch re-derives thousands of terms, allocating hundreds of thousands of
    short-lived (acyclic) objects; collecting every 700 allocations cost a quarter of
    the consumer's time in the benchmark. Never lowers a threshold set elsewhere."""
    first, *older = gc.get_threshold()
    if threshold > first:
        gc.set_threshold(threshold, *older)


def main() -> None:
    run(create_app, RenewalsSettings())
