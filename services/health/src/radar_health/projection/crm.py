"""CRM events: the account's profile, its contacts, its engagements and its subscriptions.

Within a batch the newest event of each key wins (`newest_by`); the store keeps it only
where it is newer than what is stored, so any order of events gives the same state.
"""

from __future__ import annotations

from collections.abc import Sequence

from radar_runtime import UnitOfWork
from radar_runtime.versions import newest_by
from radar_schemas.crm import (
    AccountUpsertedEvent,
    ContactChangedEvent,
    ContactIdentifiedEvent,
    EngagementLoggedEvent,
    RenewalBookedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
)
from radar_schemas.envelope import Envelope

from ..store import accounts
from ..store.subscriptions import SubscriptionRow, merge_subscriptions


async def apply_profiles(uow: UnitOfWork, events: list[AccountUpsertedEvent]) -> None:
    newest = newest_by(events, lambda e: e.account_id)
    await accounts.set_profiles(uow.session, [newest[key] for key in sorted(newest)])


async def apply_contacts(uow: UnitOfWork, events: list[ContactChangedEvent]) -> None:
    """A contact's state from its newest event; who they are from the newest one that
    names them (a "left" often names nobody)."""
    newest = newest_by(events, _contact)
    await accounts.set_contacts(uow.session, [newest[key] for key in sorted(newest)])
    await _set_names(uow, events)


async def apply_identities(uow: UnitOfWork, events: list[ContactIdentifiedEvent]) -> None:
    """Who a contact is, without touching their role or membership."""
    await _set_names(uow, events)


async def _set_names(uow: UnitOfWork, events: Sequence[accounts.NamingEvent]) -> None:
    naming = [e for e in events if e.payload.name is not None or e.payload.email is not None]
    newest = newest_by(naming, _contact)
    await accounts.set_names(uow.session, [newest[key] for key in sorted(newest)])


def _contact(event: accounts.NamingEvent) -> tuple[str, str]:
    return (event.account_id, event.payload.contact_id)


async def apply_engagements(uow: UnitOfWork, events: list[EngagementLoggedEvent]) -> None:
    latest = {}
    for event in events:
        known = latest.get(event.account_id)
        latest[event.account_id] = max(known, event.occurred_at) if known else event.occurred_at
    await accounts.widen_engagement(uow.session, latest)


async def apply_subscriptions(uow: UnitOfWork, events: list[Envelope]) -> None:
    """Seats from the newest upsert, the term (end date, ARR) from the newest upsert or
    booking, and the newest cancellation. A subscription is active unless its
    cancellation is newer than its term (a later upsert or booking re-activates it)."""
    rows: dict[str, SubscriptionRow] = {}

    def row(subscription_id: str, account_id: str) -> SubscriptionRow:
        return rows.setdefault(subscription_id, SubscriptionRow(subscription_id, account_id))

    upserts = [e for e in events if isinstance(e, SubscriptionUpsertedEvent)]
    terms = [e for e in events if isinstance(e, SubscriptionUpsertedEvent | RenewalBookedEvent)]
    cancellations = [e for e in events if isinstance(e, SubscriptionCancelledEvent)]
    for sub_id, upsert in newest_by(upserts, lambda e: e.payload.subscription_id).items():
        seats = row(sub_id, upsert.account_id)
        seats.seats, seats.currency = upsert.payload.seats, upsert.payload.currency
        seats.seats_version_at, seats.seats_version_id = upsert.occurred_at, upsert.event_id
    for sub_id, term in newest_by(terms, lambda e: e.payload.subscription_id).items():
        merged = row(sub_id, term.account_id)
        if isinstance(term, SubscriptionUpsertedEvent):
            merged.arr, merged.end_date = term.payload.arr, term.payload.end_date
        else:
            merged.arr, merged.end_date = term.payload.new_arr, term.payload.new_end_date
        merged.term_version_at, merged.term_version_id = term.occurred_at, term.event_id
    for sub_id, cancel in newest_by(cancellations, lambda e: e.payload.subscription_id).items():
        row(sub_id, cancel.account_id).cancelled_at = cancel.occurred_at
    await merge_subscriptions(uow.session, [rows[key] for key in sorted(rows)])
