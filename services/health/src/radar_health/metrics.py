"""Metrics of the health service. The runtime's consumer metrics and the shared alert
counters (`radar_alerts_raised_total`, `radar_alerts_resolved_total`) come from
`radar_runtime.metrics`; labels stay bounded (never account ids)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

HEALTH_ACCOUNTS = Gauge(
    "radar_health_accounts",
    "Accounts by the band shown (an override in force counts); unscored: no score yet.",
    ["band"],
)
ACCOUNTS_RECOMPUTED = Counter(
    "radar_health_recomputed_accounts_total", "Account health scores recomputed."
)
RECOMPUTE_FAILURES = Counter(
    "radar_health_recompute_failures_total",
    "Account recomputes skipped because the domain raised on the account's data.",
)
USAGE_QUEUE_DRAINED = Counter(
    "radar_health_usage_recomputes_total",
    "Accounts recomputed by the usage worker after usage-only changes.",
)
HISTORY_POINTS_REPLAYED = Counter(
    "radar_health_history_points_replayed_total",
    "Score-history points computed by event time when history arrived late.",
)
HISTORY_WAITING = Gauge(
    "radar_health_history_waiting",
    "Accounts whose late history waits to be replayed: still arriving, or due next pass. "
    "Their verdicts are held until then.",
)
