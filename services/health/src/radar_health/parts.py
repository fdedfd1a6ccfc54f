"""The health service's parts: everything long-lived, built once by `main.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass

from radar_runtime import Runtime
from radar_runtime.auth.access import Access

from .projection.recompute import Recomputer
from .projection.replay import HistoryReplayer
from .rules import HealthRules
from .settings import HealthSettings
from .work.scheduled_recompute import RecomputeAll
from .work.usage_recompute import UsageRecomputeWorker


@dataclass(frozen=True)
class HealthParts:
    settings: HealthSettings
    rules: HealthRules
    runtime: Runtime
    access: Access
    # Recomputes accounts in a unit of work: after a batch, in the worker, the job, the API.
    recomputer: Recomputer
    replayer: HistoryReplayer  # the score history by event time, when history arrives late
    usage_worker: UsageRecomputeWorker
    recompute_all: RecomputeAll
