"""Consumed events → fact rows, written in bulk with "newest version wins".

Within a batch, rows for one key are reduced in Python first (PostgreSQL cannot update
one row twice in a statement); against stored rows, the upsert's WHERE keeps the newer
version. Histories (opportunity edits, contacts) are insert-only.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import (
    accounts,
    bookings,
    cancellations,
    contact_changes,
    health_scores,
    opportunity_edits,
    subscription_facts,
)
from radar_runtime.sql import write_rows
from radar_runtime.versions import Version, newer, version_of
from radar_schemas.crm import (
    AccountUpsertedEvent,
    ContactChangedEvent,
    RenewalBookedEvent,
    RenewalOpportunityUpdatedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
)
from radar_schemas.derived import HealthScoredEvent
from radar_schemas.envelope import Envelope

UTILISATION_MEASURE = "license_utilization"


def money(value: float) -> Decimal:
    return Decimal(str(value))


@dataclass
class Touched:
    """What a batch changed, and the newest event time behind each change.

    `signals` are accounts whose health or contacts changed: those move
    the risk of open terms only (a closed term shows its outcome), so their closed terms
    need not be re-evaluated. `accounts` changed their account facts (name, segment...),
    which every term shows. `written` holds every account the batch wrote facts for.
    """

    subscriptions: dict[str, datetime] = field(default_factory=dict)
    accounts: dict[str, datetime] = field(default_factory=dict)
    signals: dict[str, datetime] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)

    def subscription(self, subscription_id: str, account_id: str, at: datetime) -> None:
        _keep_latest(self.subscriptions, subscription_id, at)
        self.written.add(account_id)

    def account(self, account_id: str, at: datetime) -> None:
        _keep_latest(self.accounts, account_id, at)
        self.written.add(account_id)

    def signal(self, account_id: str, at: datetime) -> None:
        _keep_latest(self.signals, account_id, at)
        self.written.add(account_id)

    def __bool__(self) -> bool:
        return bool(self.subscriptions or self.accounts or self.signals)


def _keep_latest(times: dict[str, datetime], key: str, at: datetime) -> None:
    current = times.get(key)
    if current is None or at > current:
        times[key] = at


class FactBatch:
    """Collects one batch's fact rows per table, reduced to one row per key."""

    def __init__(self) -> None:
        self.latest: dict[Table, dict[tuple[Any, ...], dict[str, Any]]] = {}
        self.history: dict[Table, list[dict[str, Any]]] = {}
        self.touched = Touched()

    def add_all(self, events: Iterable[Envelope]) -> None:
        for event in events:
            self.add(event)

    def add(self, event: Envelope) -> None:
        version = version_of(event)
        at = event.occurred_at
        account_id = event.account_id
        if isinstance(event, AccountUpsertedEvent):
            p = event.payload
            self._latest(
                accounts,
                (account_id,),
                account_id=account_id,
                name=p.name,
                segment=p.segment,
                region=p.region,
                owner_email=p.owner.email,
                owner=p.owner.model_dump(mode="json"),
                manager=p.manager.model_dump(mode="json") if p.manager else None,
                version_at=event.occurred_at,
                version_id=event.event_id,
            )
            self.touched.account(account_id, at)
        elif isinstance(event, SubscriptionUpsertedEvent):
            s = event.payload
            self._latest(
                subscription_facts,
                (s.subscription_id, s.start_date),
                subscription_id=s.subscription_id,
                start_date=s.start_date,
                account_id=account_id,
                end_date=s.end_date,
                arr=money(s.arr),
                seats=s.seats,
                plan=s.plan,
                currency=s.currency,
                auto_renew=s.auto_renew,
                version_at=event.occurred_at,
                version_id=event.event_id,
            )
            self.touched.subscription(s.subscription_id, account_id, at)
        elif isinstance(event, RenewalBookedEvent):
            b = event.payload
            self._latest(
                bookings,
                (b.subscription_id, b.new_end_date),
                subscription_id=b.subscription_id,
                new_end_date=b.new_end_date,
                account_id=account_id,
                booked_at=b.booked_at,
                new_arr=money(b.new_arr),
                version_at=event.occurred_at,
                version_id=event.event_id,
            )
            self.touched.subscription(b.subscription_id, account_id, at)
        elif isinstance(event, SubscriptionCancelledEvent):
            c = event.payload
            self._latest(
                cancellations,
                (c.subscription_id,),
                subscription_id=c.subscription_id,
                account_id=account_id,
                effective_date=c.effective_date,
                reason=c.reason,
                occurred_at=at,
                version_at=event.occurred_at,
                version_id=event.event_id,
            )
            self.touched.subscription(c.subscription_id, account_id, at)
        elif isinstance(event, RenewalOpportunityUpdatedEvent):
            o = event.payload
            self._history(
                opportunity_edits,
                opportunity_id=o.opportunity_id,
                version_at=event.occurred_at,
                version_id=event.event_id,
                subscription_id=o.subscription_id,
                account_id=account_id,
                stage=o.stage,
                forecast_category=o.forecast_category,
                close_date=o.close_date,
                amount=money(o.amount),
                occurred_at=at,
            )
            self.touched.subscription(o.subscription_id, account_id, at)
        elif isinstance(event, HealthScoredEvent):
            self._health(event, version)
        elif isinstance(event, ContactChangedEvent):
            contact = event.payload
            self._history(
                contact_changes,
                account_id=account_id,
                contact_id=contact.contact_id,
                version_at=event.occurred_at,
                version_id=event.event_id,
                role=contact.role,
                change=contact.change,
                occurred_at=at,
            )
            self.touched.signal(account_id, at)
        # Anything else (engagement.logged) is not used.

    def _health(self, event: HealthScoredEvent, version: Version) -> None:
        h = event.payload
        as_of = h.as_of.astimezone(UTC)
        utilisation = next(
            (
                c.raw_value / 100
                for c in h.components
                if c.measure == UTILISATION_MEASURE and c.raw_value is not None
            ),
            None,
        )
        row = {
            "account_id": event.account_id,
            "day": as_of.date(),
            "as_of": as_of,
            "score": h.score,
            "band": h.band,
            "score_30d_ago": h.score_30d_ago,
            "utilisation": utilisation,
            "open_escalations": h.open_escalations,
            "version_at": event.occurred_at,
            "version_id": event.event_id,
        }
        key = (event.account_id, as_of.date())
        rows = self.latest.setdefault(health_scores, {})
        current = rows.get(key)
        if current is None or (as_of, *version) > (
            current["as_of"],
            current["version_at"],
            current["version_id"],
        ):
            rows[key] = row
        self.touched.signal(event.account_id, event.occurred_at)

    def _latest(self, table: Table, key: tuple[Any, ...], **row: Any) -> None:
        rows = self.latest.setdefault(table, {})
        current = rows.get(key)
        if current is None or _version(row) > _version(current):
            rows[key] = row

    def _history(self, table: Table, **row: Any) -> None:
        self.history.setdefault(table, []).append(row)

    async def write(self, session: AsyncSession) -> None:
        for table, keyed in self.latest.items():
            await _upsert_newest(session, table, list(keyed.values()))
        for table, rows in self.history.items():
            await write_rows(session, table, rows, conflict_keys=())  # seen before: kept


async def _upsert_newest(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    keys = tuple(column.name for column in table.primary_key.columns)
    name = table.name
    only_if = newer("excluded", name)
    if table is health_scores:
        only_if = (
            f"({name}.as_of, {name}.version_at, {name}.version_id)"
            " < (excluded.as_of, excluded.version_at, excluded.version_id)"
        )
    await write_rows(session, table, rows, conflict_keys=keys, only_if=only_if)


def _version(row: dict[str, Any]) -> Version:
    return row["version_at"], row["version_id"]
