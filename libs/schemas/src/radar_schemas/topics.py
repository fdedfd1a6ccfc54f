"""Kafka topic names and the routing of each event type to its topic."""

from types import MappingProxyType

from radar_schemas.events import EVENT_TYPES

USAGE = "cs.usage.v1"
SUPPORT = "cs.support.v1"
CRM = "cs.crm.v1"
HEALTH = "cs.health.v1"
RENEWALS = "cs.renewals.v1"
ALERTS = "cs.alerts.v1"

RAW_TOPICS: tuple[str, ...] = (USAGE, SUPPORT, CRM)
DERIVED_TOPICS: tuple[str, ...] = (HEALTH, RENEWALS, ALERTS)

TOPIC_BY_TYPE = MappingProxyType(
    {
        "usage.recorded": USAGE,
        "ticket.opened": SUPPORT,
        "ticket.updated": SUPPORT,
        "ticket.closed": SUPPORT,
        "csat.submitted": SUPPORT,
        "nps.submitted": SUPPORT,
        "account.upserted": CRM,
        "subscription.upserted": CRM,
        "subscription.cancelled": CRM,
        "renewal.opportunity_updated": CRM,
        "renewal.booked": CRM,
        "engagement.logged": CRM,
        "contact.changed": CRM,
        "contact.identified": CRM,
        "health.scored": HEALTH,
        "renewal.state_changed": RENEWALS,
        "alert.raised": ALERTS,
        "alert.resolved": ALERTS,
    }
)


class UnknownEventType(ValueError):
    """An event type that is not part of the contract."""

    def __init__(self, event_type: object) -> None:
        self.event_type = event_type
        super().__init__(
            f"unknown event type {event_type!r}; valid types: {', '.join(EVENT_TYPES)}"
        )


def topic_for(event_type: str) -> str:
    """The topic an event type is published to."""
    try:
        return TOPIC_BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(event_type) from None


def types_of(*topics: str) -> tuple[str, ...]:
    """The event types published to `topics`, in catalog order."""
    return tuple(t for t, topic in TOPIC_BY_TYPE.items() if topic in topics)


def dlq_topic(topic: str) -> str:
    """The dead-letter twin of a topic."""
    return f"{topic}.dlq"
