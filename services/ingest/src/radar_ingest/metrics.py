"""Prometheus metrics of ingest. Labels are bounded: event types from the catalog only."""

from __future__ import annotations

from collections import Counter as Tally
from dataclasses import dataclass, field

from prometheus_client import Counter, Histogram

from .catalog import INGEST_TYPES

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


def type_label(event_type: object) -> str:
    # Metric labels must stay bounded: never echo what a client made up.
    return event_type if isinstance(event_type, str) and event_type in INGEST_TYPES else "unknown"


@dataclass
class Outcomes:
    counts: Tally[tuple[str, str]] = field(default_factory=Tally)

    def add(self, event_type: object, outcome: str, n: int = 1) -> None:
        self.counts[(type_label(event_type), outcome)] += n

    def publish(self) -> None:
        for (event_type, outcome), n in self.counts.items():
            EVENTS.labels(event_type, outcome).inc(n)
