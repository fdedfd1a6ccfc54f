import pytest

from radar_schemas import (
    ALERTS,
    CRM,
    DERIVED_TOPICS,
    EVENT_MODELS,
    EVENT_TYPES,
    HEALTH,
    RAW_TOPICS,
    RENEWALS,
    SUPPORT,
    USAGE,
    Alert,
    AlertRaisedEvent,
    AlertResolvedEvent,
    Ticket,
    TicketClosedEvent,
    TicketOpenedEvent,
    TicketUpdatedEvent,
    UnknownEventType,
    dlq_topic,
    topic_for,
)

EXPECTED_TOPIC = {
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


def test_topic_names() -> None:
    assert RAW_TOPICS == ("cs.usage.v1", "cs.support.v1", "cs.crm.v1")
    assert DERIVED_TOPICS == ("cs.health.v1", "cs.renewals.v1", "cs.alerts.v1")


def test_catalog_is_complete() -> None:
    assert set(EVENT_TYPES) == set(EXPECTED_TOPIC)
    assert len(EVENT_TYPES) == 18


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_topic_for_every_type(event_type: str) -> None:
    assert topic_for(event_type) == EXPECTED_TOPIC[event_type]
    assert topic_for(event_type) in RAW_TOPICS + DERIVED_TOPICS


def test_unknown_type_names_valid_types() -> None:
    with pytest.raises(UnknownEventType) as caught:
        topic_for("usage.recordd")
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert message.startswith("unknown event type 'usage.recordd'; valid types: usage.recorded")
    assert all(event_type in message for event_type in EVENT_TYPES)


def test_dlq_topic() -> None:
    assert dlq_topic(USAGE) == "cs.usage.v1.dlq"
    assert dlq_topic(ALERTS) == "cs.alerts.v1.dlq"


def test_event_models_are_keyed_by_their_type() -> None:
    for event_type, model in EVENT_MODELS.items():
        assert model.model_fields["type"].default == event_type
        assert model.__name__.endswith("Event")


def test_shared_payloads() -> None:
    for model in (TicketOpenedEvent, TicketUpdatedEvent, TicketClosedEvent):
        assert model.model_fields["payload"].annotation is Ticket
    for alert_model in (AlertRaisedEvent, AlertResolvedEvent):
        assert alert_model.model_fields["payload"].annotation is Alert
