"""Loading the facts of many subscriptions at once: one query per table, never one per id."""

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.facts import (
    AccountFact,
    AccountFacts,
    BookingFact,
    CancellationFact,
    ContactFact,
    EscalationFact,
    HealthFact,
    OpportunityFact,
    SubscriptionFact,
    SubscriptionFacts,
)
from radar_renewals.sql import among
from radar_renewals.tables import (
    accounts,
    bookings,
    cancellations,
    contact_changes,
    escalation_events,
    health_scores,
    opportunity_edits,
    subscription_facts,
)


@dataclass
class LoadedFacts:
    subscriptions: dict[str, SubscriptionFacts] = field(default_factory=dict)
    accounts: dict[str, AccountFacts] = field(default_factory=dict)
    # owner and manager as stored (contract `Person` JSON), for alerts
    people: dict[str, tuple[dict[str, Any], dict[str, Any] | None]] = field(default_factory=dict)

    def account_of(self, subscription: SubscriptionFacts) -> AccountFacts:
        account_id = subscription.terms[0].account_id if subscription.terms else ""
        return self.accounts.get(account_id) or AccountFacts(account_id)


async def subscriptions_of_accounts_with_times(
    session: AsyncSession, account_times: Mapping[str, datetime]
) -> dict[str, datetime]:
    """The subscriptions of these accounts, each with its account's time."""
    if not account_times:
        return {}
    rows = await session.execute(
        select(subscription_facts.c.subscription_id, subscription_facts.c.account_id)
        .where(among(subscription_facts.c.account_id, account_times))
        .distinct()
    )
    return {r.subscription_id: account_times[r.account_id] for r in rows.all()}


async def load_facts(
    session: AsyncSession, subscription_ids: Collection[str], *, history: bool = False
) -> LoadedFacts:
    """The facts of these subscriptions and of their accounts.

    Histories (health, opportunity edits, contact changes, escalations) are loaded whole
    with `history` (the backtest looks back in time); otherwise only the newest entry of
    each (per account, opportunity, contact, escalation), all that "now" depends on.
    """
    loaded = LoadedFacts()
    if not subscription_ids:
        return loaded
    terms: dict[str, list[SubscriptionFact]] = {}
    for r in await _rows(
        session, subscription_facts, subscription_facts.c.subscription_id, subscription_ids
    ):
        terms.setdefault(r.subscription_id, []).append(
            SubscriptionFact(
                r.subscription_id,
                r.account_id,
                r.start_date,
                r.end_date,
                r.arr,
                r.seats,
                r.plan,
                r.currency,
                r.auto_renew,
                r.version,
            )
        )
    booked: dict[str, list[BookingFact]] = {}
    for r in await _rows(session, bookings, bookings.c.subscription_id, subscription_ids):
        booked.setdefault(r.subscription_id, []).append(
            BookingFact(r.subscription_id, r.booked_at, r.new_arr, r.new_end_date, r.version)
        )
    cancelled = {
        r.subscription_id: CancellationFact(
            r.subscription_id, r.effective_date, r.reason, r.occurred_at, r.version
        )
        for r in await _rows(
            session, cancellations, cancellations.c.subscription_id, subscription_ids
        )
    }
    edits: dict[str, list[OpportunityFact]] = {}
    for r in await _rows(
        session,
        opportunity_edits,
        opportunity_edits.c.subscription_id,
        subscription_ids,
        newest_per=None if history else opportunity_edits.c.opportunity_id,
    ):
        edits.setdefault(r.subscription_id, []).append(
            OpportunityFact(
                r.opportunity_id,
                r.subscription_id,
                r.stage,
                r.forecast_category,
                r.close_date,
                r.amount,
                r.occurred_at,
                r.version,
            )
        )
    for subscription_id in subscription_ids:
        loaded.subscriptions[subscription_id] = SubscriptionFacts(
            subscription_id,
            tuple(terms.get(subscription_id, ())),
            tuple(booked.get(subscription_id, ())),
            cancelled.get(subscription_id),
            tuple(edits.get(subscription_id, ())),
        )
    account_ids = {fact.account_id for facts in terms.values() for fact in facts}
    await _load_accounts(session, account_ids, loaded, history=history)
    return loaded


async def _load_accounts(
    session: AsyncSession, account_ids: set[str], loaded: LoadedFacts, *, history: bool
) -> None:
    if not account_ids:
        return
    facts: dict[str, AccountFact] = {}
    for r in await _rows(session, accounts, accounts.c.account_id, account_ids):
        facts[r.account_id] = AccountFact(
            r.account_id, r.name, r.segment, r.region, r.owner_email, r.version
        )
        loaded.people[r.account_id] = (r.owner, r.manager)
    health: dict[str, list[HealthFact]] = {}
    query = select(health_scores).where(among(health_scores.c.account_id, account_ids))
    if not history:
        query = query.ext(distinct_on(health_scores.c.account_id)).order_by(
            health_scores.c.account_id, health_scores.c.day.desc()
        )
    for r in (await session.execute(query)).all():
        health.setdefault(r.account_id, []).append(
            HealthFact(
                r.account_id, r.as_of, r.score, r.band, r.score_30d_ago, r.utilisation, r.version
            )
        )
    contacts: dict[str, list[ContactFact]] = {}
    table = contact_changes
    newest_contact = None if history else (table.c.account_id, table.c.contact_id)
    for r in await _rows(session, table, table.c.account_id, account_ids, newest_contact):
        contacts.setdefault(r.account_id, []).append(
            ContactFact(r.account_id, r.contact_id, r.role, r.change, r.occurred_at, r.version)
        )
    escalations: dict[str, list[EscalationFact]] = {}
    table = escalation_events
    newest_alert = None if history else (table.c.account_id, table.c.dedup_key)
    for r in await _rows(session, table, table.c.account_id, account_ids, newest_alert):
        escalations.setdefault(r.account_id, []).append(
            EscalationFact(r.account_id, r.dedup_key, r.open, r.occurred_at, r.version)
        )
    for account_id in account_ids:
        loaded.accounts[account_id] = AccountFacts(
            account_id,
            facts.get(account_id),
            tuple(health.get(account_id, ())),
            tuple(contacts.get(account_id, ())),
            tuple(escalations.get(account_id, ())),
        )


async def _rows(
    session: AsyncSession,
    table: Any,
    column: Any,
    values: Collection[str],
    newest_per: Any = None,
) -> Any:
    """Rows whose `column` is among `values`; with `newest_per` (a column or a tuple of
    columns), only the row with the greatest `version` of each."""
    query = select(table).where(among(column, values))
    if newest_per is not None:
        keys = newest_per if isinstance(newest_per, tuple) else (newest_per,)
        query = query.ext(distinct_on(*keys)).order_by(*keys, table.c.version.desc())
    return (await session.execute(query)).all()
