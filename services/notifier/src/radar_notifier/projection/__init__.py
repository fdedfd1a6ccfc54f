"""The consumer side: which event types the notifier applies, and with what."""

from __future__ import annotations

from radar_notifier.parts import NotifierParts
from radar_notifier.projection.alerts import AlertProjector
from radar_notifier.projection.renewals import RenewalOutcomes
from radar_runtime import Routes, routing


def routes(parts: NotifierParts) -> Routes:
    return routing.routes(
        (("alert.raised", "alert.resolved"), AlertProjector(parts.rules, parts.worker.wake)),
        (("renewal.state_changed",), RenewalOutcomes()),
    )
