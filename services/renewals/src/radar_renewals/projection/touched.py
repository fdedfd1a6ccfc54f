"""What a batch's facts touched, re-derived once per batch.

A subscription's own facts change its terms; an account's facts (name, segment, owner)
show on every term of its subscriptions; signals (health, contacts) move the risk of
open terms only (a closed term shows its outcome), so closed terms need no second look.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast

from radar_renewals.domain.policy import AlertPolicy
from radar_renewals.projection.refresh import Refresher
from radar_renewals.store.accounts import subscriptions_of
from radar_runtime import Batch, UnitOfWork
from radar_schemas.derived import HealthScoredEvent
from radar_schemas.envelope import Envelope

SUBSCRIPTION_FACTS = (
    "subscription.upserted",
    "renewal.booked",
    "subscription.cancelled",
    "renewal.opportunity_updated",
)
ACCOUNT_FACTS = ("account.upserted",)
SIGNALS = ("contact.changed", "health.scored")


@dataclass
class Touched:
    """Per subscription (or account), the `occurred_at` of its newest event."""

    subscriptions: dict[str, datetime] = field(default_factory=dict)
    accounts: dict[str, datetime] = field(default_factory=dict)
    signals: dict[str, datetime] = field(default_factory=dict)

    @classmethod
    def by(cls, batch: Batch) -> Touched:
        touched = cls()
        for event in batch.of(SUBSCRIPTION_FACTS):
            subscription_id: str = event.payload.subscription_id  # type: ignore[attr-defined]
            _keep_latest(touched.subscriptions, subscription_id, event.occurred_at)
        _keep_latest_of(touched.accounts, batch.of(ACCOUNT_FACTS))
        _keep_latest_of(touched.signals, batch.of(SIGNALS))
        return touched


async def rederive(refresher: Refresher, uow: UnitOfWork, batch: Batch) -> None:
    """Re-derive every subscription the batch touched, once, each with the time of its
    newest own fact, else of its account's newest fact or signal (what it emits carries
    that time)."""
    touched = Touched.by(batch)
    renamed = await subscriptions_of(uow.session, touched.accounts)
    fully = set(touched.subscriptions) | set(renamed)
    causes = dict(renamed)
    _merge(causes, await subscriptions_of(uow.session, touched.signals))
    # A subscription's own facts date what its refresh emits, whatever else the batch
    # held: today's health beside a CRM history being loaded must not make a verdict on
    # half-loaded facts (overdue, its booking not yet arrived) look live.
    causes.update(touched.subscriptions)
    await refresher.refresh(
        uow,
        causes,
        locked=written_accounts(batch),
        causes=causes,
        signals_only=set(causes) - fully,
        renamed=renamed,
        risk_held=replayed_health(batch, uow.now, refresher.evaluator.policy.alerts),
    )


def replayed_health(batch: Batch, now: datetime, policy: AlertPolicy) -> set[str]:
    """Accounts whose health is still loading their past, so their risk is not yet
    today's: the batch's newest score for them is history (`history_health_age_days`
    older than now). (A provisional score holds them too, once stored: see `refresh`.)"""
    newest: dict[str, datetime] = {}
    for event in batch.of(("health.scored",)):
        as_of = cast(HealthScoredEvent, event).payload.as_of
        _keep_latest(newest, event.account_id, as_of)
    oldest_live = now - timedelta(days=policy.history_health_age_days)
    return {account for account, as_of in newest.items() if as_of < oldest_live}


def written_accounts(batch: Batch) -> set[str]:
    """Every account the batch writes facts for: each routed event is one of its facts."""
    return {event.account_id for event in batch.events}


def _keep_latest_of(times: dict[str, datetime], events: Iterable[Envelope]) -> None:
    for event in events:
        _keep_latest(times, event.account_id, event.occurred_at)


def _keep_latest(times: dict[str, datetime], key: str, at: datetime) -> None:
    current = times.get(key)
    if current is None or at > current:
        times[key] = at


def _merge(causes: dict[str, datetime], more: dict[str, datetime]) -> None:
    for subscription_id, at in more.items():
        if subscription_id not in causes or at > causes[subscription_id]:
            causes[subscription_id] = at
