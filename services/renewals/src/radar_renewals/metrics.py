"""Prometheus metrics of renewals (recounted by `work/gauges.py`). Alert counters are
the runtime's shared ones."""

from __future__ import annotations

from prometheus_client import Gauge

RENEWALS = Gauge("radar_renewals", "Renewal terms by state.", ["state"])
ARR_AT_RISK = Gauge(
    "radar_renewal_arr_at_risk",
    "ARR of the renewal terms at risk, per currency (amounts in that currency).",
    ["currency"],
)
