"""`cs.usage.v1`: product usage measured by the analytics source."""

from typing import Literal

from radar_schemas.common import Id, Metric, Payload, Quantity
from radar_schemas.envelope import Envelope


class UsageRecorded(Payload):
    """An amount of one usage metric.

    `metric` is any lowercase dotted identifier; the health scorecard reads
    `active_users`, `logins`, `api_calls` and `feature.<name>`, others are kept.
    """

    metric: Metric
    quantity: Quantity
    user_id: Id | None = None
    feature: Id | None = None


class UsageRecordedEvent(Envelope):
    type: Literal["usage.recorded"] = "usage.recorded"
    payload: UsageRecorded
