"""The service's long-lived parts, built once per app and kept on the runtime."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.metrics import GaugeRefresher
from radar_renewals.projection.refresh import Projector
from radar_renewals.rules import RenewalsRules
from radar_runtime import Runtime

STATE_KEY = "renewals"


@dataclass
class RenewalsContext:
    rules: RenewalsRules
    evaluator: Evaluator
    projector: Projector
    gauges: GaugeRefresher


def context_of(runtime: Runtime) -> RenewalsContext:
    found: RenewalsContext = runtime.state[STATE_KEY]
    return found


def today_of(runtime: Runtime) -> date:
    return runtime.clock.now().astimezone(UTC).date()
