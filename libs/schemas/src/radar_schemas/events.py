"""The union of every event type, discriminated on `type`, in catalog order."""

from typing import Annotated

from pydantic import Field

from radar_schemas.crm import (
    AccountUpsertedEvent,
    ContactChangedEvent,
    ContactIdentifiedEvent,
    EngagementLoggedEvent,
    RenewalBookedEvent,
    RenewalOpportunityUpdatedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
)
from radar_schemas.derived import (
    AlertRaisedEvent,
    AlertResolvedEvent,
    HealthScoredEvent,
    RenewalStateChangedEvent,
)
from radar_schemas.envelope import Envelope
from radar_schemas.support import (
    CsatSubmittedEvent,
    NpsSubmittedEvent,
    TicketClosedEvent,
    TicketOpenedEvent,
    TicketUpdatedEvent,
)
from radar_schemas.usage import UsageRecordedEvent

Event = Annotated[
    UsageRecordedEvent
    | TicketOpenedEvent
    | TicketUpdatedEvent
    | TicketClosedEvent
    | CsatSubmittedEvent
    | NpsSubmittedEvent
    | AccountUpsertedEvent
    | SubscriptionUpsertedEvent
    | SubscriptionCancelledEvent
    | RenewalOpportunityUpdatedEvent
    | RenewalBookedEvent
    | EngagementLoggedEvent
    | ContactChangedEvent
    | ContactIdentifiedEvent
    | HealthScoredEvent
    | RenewalStateChangedEvent
    | AlertRaisedEvent
    | AlertResolvedEvent,
    Field(discriminator="type"),
]

_MODELS: tuple[type[Envelope], ...] = (
    UsageRecordedEvent,
    TicketOpenedEvent,
    TicketUpdatedEvent,
    TicketClosedEvent,
    CsatSubmittedEvent,
    NpsSubmittedEvent,
    AccountUpsertedEvent,
    SubscriptionUpsertedEvent,
    SubscriptionCancelledEvent,
    RenewalOpportunityUpdatedEvent,
    RenewalBookedEvent,
    EngagementLoggedEvent,
    ContactChangedEvent,
    ContactIdentifiedEvent,
    ContactIdentifiedEvent,
    HealthScoredEvent,
    RenewalStateChangedEvent,
    AlertRaisedEvent,
    AlertResolvedEvent,
)

# The default of each model's `type` Literal is its type string.
EVENT_MODELS: dict[str, type[Envelope]] = {
    str(model.model_fields["type"].default): model for model in _MODELS
}
EVENT_TYPES: tuple[str, ...] = tuple(EVENT_MODELS)
