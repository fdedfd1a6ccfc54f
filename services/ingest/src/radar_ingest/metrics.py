"""Prometheus metrics of ingest. Labels are bounded: event types from the catalog only."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from .domain.outcomes import Outcomes

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

EVENTS = Counter(
    "radar_ingest_events_total",
    "Events received, by type and outcome: accepted, invalid, forbidden, unavailable.",
    ["type", "outcome"],
)
REQUEST_SECONDS = Histogram(
    "radar_ingest_request_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
PRODUCE_SECONDS = Histogram(
    "radar_ingest_produce_seconds",
    "Time from queueing a request's events to the broker's acknowledgement of all of them.",
    buckets=_LATENCY_BUCKETS,
)


def count_events(outcomes: Outcomes) -> None:
    for (event_type, outcome), n in outcomes.counts.items():
        EVENTS.labels(event_type, outcome).inc(n)


THROTTLED = Counter(
    "radar_ingest_throttled_events_total",
    "Events refused with 429 because their key was over its quota, by source.",
    ["source"],
)
KEY_RELOADS = Counter(
    "radar_ingest_key_reloads_total",
    "API key configuration reloads: ok, or refused (the previous keys stay in force).",
    ["outcome"],
)
