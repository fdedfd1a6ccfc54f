"""Prometheus metrics of the runtime. Labels stay bounded: never account or event ids."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# `_created` series double the output and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_AGE_BUCKETS = (0.1, 0.5, 1, 5, 30, 60, 300, 3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400)

EVENTS_CONSUMED = Counter(
    "radar_events_consumed_total",
    "Records consumed, by outcome: applied, duplicate, dead_lettered.",
    ["service", "topic", "outcome"],
)
EVENT_PROCESSING = Histogram(
    "radar_event_processing_seconds",
    "Time from fetching an event's batch to committing its effects.",
    ["service"],
    buckets=_LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "radar_consumer_lag",
    "Records behind the partition's high watermark.",
    ["service", "topic", "partition"],
)
EVENT_AGE = Histogram(
    "radar_event_age_seconds",
    "Now minus the event's occurred_at when it was applied.",
    ["service", "topic"],
    buckets=_AGE_BUCKETS,
)
DLQ_EVENTS = Counter(
    "radar_dlq_events_total", "Records sent to a dead-letter topic.", ["service", "topic", "reason"]
)
HANDLER_RETRIES = Counter(
    "radar_handler_retries_total", "Batches retried after a handler error.", ["service"]
)
OUTBOX_PENDING = Gauge("radar_outbox_pending", "Outbox rows not yet published.", ["service"])
OUTBOX_PUBLISHED = Counter(
    "radar_outbox_published_total", "Outbox rows published to Kafka.", ["service", "topic"]
)
LAST_PROCESSED = Gauge(
    "radar_last_processed_timestamp_seconds",
    "Unix time of the last committed batch.",
    ["service"],
)
DATABASE_UP = Gauge("radar_database_up", "1 while the database answers.", ["service"])
JOB_RUNS = Counter(
    "radar_scheduled_job_runs_total",
    "Scheduled job runs, by outcome.",
    ["service", "job_name", "outcome"],
)
# Health and renewals both raise alerts; one definition keeps one series name.
ALERTS_RAISED = Counter(
    "radar_alerts_raised_total",
    "Alerts raised, by rule and severity.",
    ["service", "rule", "severity"],
)
ALERTS_RESOLVED = Counter(
    "radar_alerts_resolved_total", "Alerts resolved, by rule.", ["service", "rule"]
)
