"""Alert-fatigue control modelled on Prometheus Alertmanager.

dedup + repeat_interval + ack + snooze (`should_notify` over `AlertState`),
inhibition (`inhibited`), grouping per recipient (`plan_groups`).
"""

from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.fatigue.decisions import (
    Decision,
    DecisionReason,
    repeat_after,
    should_notify,
)
from radar_notifier.domain.fatigue.grouping import next_group_due_at, plan_groups
from radar_notifier.domain.fatigue.history import History
from radar_notifier.domain.fatigue.inhibition import (
    Inhibition,
    InhibitRule,
    find_inhibitor,
    inhibited,
)
from radar_notifier.domain.fatigue.state import (
    AlertState,
    acknowledge,
    apply_alert,
    record_notified,
    snooze,
    unsnooze,
)
from radar_notifier.domain.fatigue.timings import Timings

__all__ = [
    "AlertState",
    "Decision",
    "DecisionReason",
    "Digest",
    "History",
    "InhibitRule",
    "Inhibition",
    "PendingNotification",
    "Timings",
    "acknowledge",
    "apply_alert",
    "find_inhibitor",
    "inhibited",
    "next_group_due_at",
    "plan_groups",
    "record_notified",
    "repeat_after",
    "should_notify",
    "snooze",
    "unsnooze",
]
