"""The notifier's own Prometheus metrics; labels are bounded (channel, outcome, reason)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram

# From seconds (group_wait 0) to a day (a long retry or a late event).
_DELIVERY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 6 * 3600, 86400)

NOTIFICATIONS = Counter(
    "radar_notifications_total",
    "Delivery attempts by channel and outcome: sent, retry (will be tried again), failed.",
    ["channel", "outcome"],
)
DELIVERY_SECONDS = Histogram(
    "radar_notification_delivery_seconds",
    "From the alert's occurred_at to its message being accepted by Slack or SMTP.",
    ["channel"],
    buckets=_DELIVERY_BUCKETS,
)
RESENDS = Counter(
    "radar_notification_resends_total",
    "Deliveries sent again after an attempt whose outcome was never recorded (the "
    "notifier stopped mid-send): each may reach its recipient twice, as the same message.",
    ["channel"],
)
QUEUE_DEPTH = Gauge(
    "radar_notification_queue_depth",
    "Notifications not yet delivered: waiting for their group, or pending delivery.",
    ["stage"],
)
SUPPRESSED = Counter(
    "radar_notifications_suppressed_total",
    "Recipients not notified of an alert, by reason (inhibited, snoozed, acknowledged, ...).",
    ["reason"],
)
ALERTS_SKIPPED = Counter(
    "radar_notifier_alerts_skipped_total",
    "Alert events the notifier could not interpret and skipped.",
)


def count_suppressed(by_reason: Mapping[str, int]) -> None:
    for reason, count in by_reason.items():
        SUPPRESSED.labels(reason).inc(count)
