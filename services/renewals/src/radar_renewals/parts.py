"""The renewals service's long-lived parts, built once by `main.bootstrap`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date

from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.projection.refresh import Refresher
from radar_renewals.rules import RenewalsRules
from radar_renewals.settings import RenewalsSettings
from radar_renewals.work.gauges import Gauges
from radar_renewals.work.totals import TotalsFolder
from radar_renewals.work.transitions import Transitions
from radar_runtime import Runtime
from radar_runtime.auth.access import Access


@dataclass(frozen=True)
class RenewalsParts:
    settings: RenewalsSettings
    rules: RenewalsRules
    runtime: Runtime
    access: Access
    evaluator: Evaluator  # the rules, with the calibration curve built once
    refresher: Refresher  # re-derives subscriptions: after each batch, and daily
    transitions: Transitions
    gauges: Gauges
    totals: TotalsFolder

    def today(self) -> date:
        """The clock's date in UTC: the day terms are evaluated as of."""
        return self.runtime.clock.now().astimezone(UTC).date()
