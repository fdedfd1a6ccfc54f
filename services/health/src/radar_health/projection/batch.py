"""A consumed batch sorted by what the health service does with each event type."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from radar_schemas.crm import (
    AccountUpsertedEvent,
    ContactChangedEvent,
    EngagementLoggedEvent,
    RenewalBookedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
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

TicketEvent = TicketOpenedEvent | TicketUpdatedEvent | TicketClosedEvent
TermEvent = SubscriptionUpsertedEvent | RenewalBookedEvent


@dataclass
class HealthBatch:
    usage: list[UsageRecordedEvent] = field(default_factory=list)
    profiles: list[AccountUpsertedEvent] = field(default_factory=list)
    subscriptions: list[SubscriptionUpsertedEvent] = field(default_factory=list)
    bookings: list[RenewalBookedEvent] = field(default_factory=list)
    cancellations: list[SubscriptionCancelledEvent] = field(default_factory=list)
    engagements: list[EngagementLoggedEvent] = field(default_factory=list)
    contacts: list[ContactChangedEvent] = field(default_factory=list)
    tickets: list[TicketEvent] = field(default_factory=list)
    nps: list[NpsSubmittedEvent] = field(default_factory=list)
    csat: list[CsatSubmittedEvent] = field(default_factory=list)

    @classmethod
    def of(cls, events: Sequence[Envelope]) -> HealthBatch:
        batch = cls()
        for event in events:
            match event:
                case UsageRecordedEvent():
                    batch.usage.append(event)
                case AccountUpsertedEvent():
                    batch.profiles.append(event)
                case SubscriptionUpsertedEvent():
                    batch.subscriptions.append(event)
                case RenewalBookedEvent():
                    batch.bookings.append(event)
                case SubscriptionCancelledEvent():
                    batch.cancellations.append(event)
                case EngagementLoggedEvent():
                    batch.engagements.append(event)
                case ContactChangedEvent():
                    batch.contacts.append(event)
                case TicketOpenedEvent() | TicketUpdatedEvent() | TicketClosedEvent():
                    batch.tickets.append(event)
                case NpsSubmittedEvent():
                    batch.nps.append(event)
                case CsatSubmittedEvent():
                    batch.csat.append(event)
                case _:
                    pass  # e.g. renewal.opportunity_updated: not a health signal
        return batch

    def non_usage(self) -> list[Envelope]:
        """Events whose accounts are recomputed in the batch's own transaction."""
        return [
            *self.profiles,
            *self.subscriptions,
            *self.bookings,
            *self.cancellations,
            *self.engagements,
            *self.contacts,
            *self.tickets,
            *self.nps,
            *self.csat,
        ]
