"""CRM facts: accounts, subscription terms, bookings, cancellations, opportunity edits
and contact changes, stored as they arrived, one statement per table per batch.

Terms, bookings, cancellations and accounts keep the newest version per key; opportunity
edits and contact changes keep every edit, so the backtest can look back in time.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from decimal import Decimal
from typing import Any

from sqlalchemy import Table

from radar_renewals.store.facts import version_columns, write_history, write_newest
from radar_renewals.store.tables import (
    accounts,
    bookings,
    cancellations,
    contact_changes,
    opportunity_edits,
    subscription_facts,
)
from radar_runtime import Projector, UnitOfWork
from radar_runtime.versions import newest_by
from radar_schemas.crm import (
    AccountUpsertedEvent,
    ContactChangedEvent,
    RenewalBookedEvent,
    RenewalOpportunityUpdatedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
)
from radar_schemas.envelope import Envelope


def upserting(
    table: Table, key: Callable[[Any], Hashable], row: Callable[[Any], dict[str, Any]]
) -> Projector:
    """Stores the newest event per key as one row each (an upsert cannot touch a row
    twice), where it is newer than the row stored."""

    async def apply(uow: UnitOfWork, events: list[Envelope]) -> None:
        newest = newest_by(events, key)
        await write_newest(uow.session, table, [row(event) for event in newest.values()])

    return apply


def recording(table: Table, row: Callable[[Any], dict[str, Any]]) -> Projector:
    """Adds every event to a history."""

    async def apply(uow: UnitOfWork, events: list[Envelope]) -> None:
        await write_history(uow.session, table, [row(event) for event in events])

    return apply


def money(value: float) -> Decimal:
    return Decimal(str(value))


def _account_row(event: AccountUpsertedEvent) -> dict[str, Any]:
    p = event.payload
    return {
        "account_id": event.account_id,
        "name": p.name,
        "segment": p.segment,
        "region": p.region,
        "owner_email": p.owner.email,
        "owner": p.owner.model_dump(mode="json"),
        "manager": p.manager.model_dump(mode="json") if p.manager else None,
        **version_columns(event),
    }


def _term_row(event: SubscriptionUpsertedEvent) -> dict[str, Any]:
    s = event.payload
    return {
        "subscription_id": s.subscription_id,
        "start_date": s.start_date,
        "account_id": event.account_id,
        "end_date": s.end_date,
        "arr": money(s.arr),
        "seats": s.seats,
        "plan": s.plan,
        "currency": s.currency,
        "auto_renew": s.auto_renew,
        **version_columns(event),
    }


def _booking_row(event: RenewalBookedEvent) -> dict[str, Any]:
    b = event.payload
    return {
        "subscription_id": b.subscription_id,
        "new_end_date": b.new_end_date,
        "account_id": event.account_id,
        "booked_at": b.booked_at,
        "new_arr": money(b.new_arr),
        **version_columns(event),
    }


def _cancellation_row(event: SubscriptionCancelledEvent) -> dict[str, Any]:
    c = event.payload
    return {
        "subscription_id": c.subscription_id,
        "account_id": event.account_id,
        "effective_date": c.effective_date,
        "reason": c.reason,
        "occurred_at": event.occurred_at,
        **version_columns(event),
    }


def _opportunity_row(event: RenewalOpportunityUpdatedEvent) -> dict[str, Any]:
    o = event.payload
    return {
        "opportunity_id": o.opportunity_id,
        **version_columns(event),
        "subscription_id": o.subscription_id,
        "account_id": event.account_id,
        "stage": o.stage,
        "forecast_category": o.forecast_category,
        "close_date": o.close_date,
        "amount": money(o.amount),
        "occurred_at": event.occurred_at,
    }


def _contact_row(event: ContactChangedEvent) -> dict[str, Any]:
    c = event.payload
    return {
        "account_id": event.account_id,
        "contact_id": c.contact_id,
        **version_columns(event),
        "role": c.role,
        "change": c.change,
        "occurred_at": event.occurred_at,
    }


apply_accounts = upserting(accounts, lambda e: e.account_id, _account_row)
apply_subscriptions = upserting(
    subscription_facts, lambda e: (e.payload.subscription_id, e.payload.start_date), _term_row
)
apply_bookings = upserting(
    bookings, lambda e: (e.payload.subscription_id, e.payload.new_end_date), _booking_row
)
apply_cancellations = upserting(
    cancellations, lambda e: e.payload.subscription_id, _cancellation_row
)
apply_opportunities = recording(opportunity_edits, _opportunity_row)
apply_contacts = recording(contact_changes, _contact_row)
