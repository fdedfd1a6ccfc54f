"""What the routes need beyond the runtime: the rules and the recomputer."""

from __future__ import annotations

from dataclasses import dataclass

from radar_health.projection.recompute import Recomputer
from radar_health.rules import HealthRules
from radar_runtime import Runtime

STATE_KEY = "health"


@dataclass(frozen=True)
class HealthContext:
    rules: HealthRules
    recomputer: Recomputer


def health_context(runtime: Runtime) -> HealthContext:
    context: HealthContext = runtime.state[STATE_KEY]
    return context
