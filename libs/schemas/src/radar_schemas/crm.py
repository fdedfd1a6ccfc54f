"""`cs.crm.v1`: accounts, subscriptions, renewals and relationships from the CRM."""

from datetime import date
from typing import Literal

from pydantic import ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from radar_schemas.common import (
    ContactChange,
    ContactRole,
    ContractDate,
    Count,
    Currency,
    Email,
    EngagementKind,
    ForecastCategory,
    Id,
    Money,
    Name,
    Payload,
    Person,
    Region,
    Segment,
    StrictBool,
    Text,
)
from radar_schemas.envelope import Envelope


class AccountUpserted(Payload):
    name: Name
    segment: Segment
    region: Region
    industry: Name
    owner: Person
    manager: Person | None = None


class AccountUpsertedEvent(Envelope):
    type: Literal["account.upserted"] = "account.upserted"
    payload: AccountUpserted


class SubscriptionUpserted(Payload):
    """One subscription term; `end_date` is the renewal date."""

    subscription_id: Id
    plan: Name
    seats: Count
    arr: Money
    currency: Currency
    start_date: ContractDate
    end_date: ContractDate
    auto_renew: StrictBool

    # A field validator (not a model one) so the error points at `end_date`.
    @field_validator("end_date")
    @classmethod
    def _ends_after_start(cls, end_date: date, info: ValidationInfo) -> date:
        start_date = info.data.get("start_date")
        if start_date is not None and end_date <= start_date:
            raise PydanticCustomError(
                "date_order",
                "must be after start_date ({start_date})",
                {"start_date": start_date.isoformat()},
            )
        return end_date


class SubscriptionUpsertedEvent(Envelope):
    type: Literal["subscription.upserted"] = "subscription.upserted"
    payload: SubscriptionUpserted


class SubscriptionCancelled(Payload):
    subscription_id: Id
    effective_date: ContractDate
    reason: Text


class SubscriptionCancelledEvent(Envelope):
    type: Literal["subscription.cancelled"] = "subscription.cancelled"
    payload: SubscriptionCancelled


class RenewalOpportunityUpdated(Payload):
    opportunity_id: Id
    subscription_id: Id
    stage: Name
    forecast_category: ForecastCategory
    close_date: ContractDate
    amount: Money


class RenewalOpportunityUpdatedEvent(Envelope):
    type: Literal["renewal.opportunity_updated"] = "renewal.opportunity_updated"
    payload: RenewalOpportunityUpdated


class RenewalBooked(Payload):
    """A signed renewal; it starts the next term, ending `new_end_date`."""

    subscription_id: Id
    booked_at: ContractDate
    new_arr: Money
    new_end_date: ContractDate


class RenewalBookedEvent(Envelope):
    type: Literal["renewal.booked"] = "renewal.booked"
    payload: RenewalBooked


class EngagementLogged(Payload):
    kind: EngagementKind
    contact_id: Id | None = None


class EngagementLoggedEvent(Envelope):
    type: Literal["engagement.logged"] = "engagement.logged"
    payload: EngagementLogged


class ContactChanged(Payload):
    """A person joined or left the account's contacts. `name` and `email`, when known,
    let messages name the person instead of showing the contact id."""

    contact_id: Id
    role: ContactRole
    change: ContactChange
    name: Name | None = None
    email: Email | None = None


class ContactChangedEvent(Envelope):
    type: Literal["contact.changed"] = "contact.changed"
    payload: ContactChanged


class ContactIdentified(Payload):
    """Who a contact is (from product analytics' `identify`, say): their name and email,
    so messages can name them. It changes neither their role nor whether they are one
    of the account's contacts: that is the CRM's word, in `contact.changed`."""

    contact_id: Id
    name: Name | None = None
    email: Email | None = None


class ContactIdentifiedEvent(Envelope):
    type: Literal["contact.identified"] = "contact.identified"
    payload: ContactIdentified
