"""The consumer side: what each event type is applied with, fact rows, what a batch touched."""

from datetime import UTC, date, datetime, timedelta

from radar_renewals.main import bootstrap
from radar_renewals.projection import crm, health, lock_written, routes
from radar_renewals.projection.touched import Touched, written_accounts
from radar_renewals.settings import RenewalsSettings
from radar_runtime import Batch
from radar_schemas import (
    ContactChanged,
    ContactChangedEvent,
    HealthScored,
    HealthScoredEvent,
    RenewalBooked,
    RenewalBookedEvent,
    ScoreComponent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def upsert(at: datetime, account_id: str = "acct-1") -> SubscriptionUpsertedEvent:
    return SubscriptionUpsertedEvent(
        occurred_at=at,
        account_id=account_id,
        payload=SubscriptionUpserted(
            subscription_id="sub-1",
            plan="pro",
            seats=10,
            arr=100.0,
            currency="USD",
            start_date=date(2025, 1, 1),
            end_date=date(2025, 12, 31),
            auto_renew=False,
        ),
    )


def booked(at: datetime) -> RenewalBookedEvent:
    return RenewalBookedEvent(
        occurred_at=at,
        account_id="acct-1",
        payload=RenewalBooked(
            subscription_id="sub-2",
            booked_at=date(2025, 12, 1),
            new_arr=100.0,
            new_end_date=date(2026, 12, 31),
        ),
    )


def contact(at: datetime, account_id: str) -> ContactChangedEvent:
    return ContactChangedEvent(
        occurred_at=at,
        account_id=account_id,
        payload=ContactChanged(contact_id="c1", role="champion", change="left"),
    )


def scored(
    score: float,
    at: datetime,
    utilisation: float | None = None,
    open_escalations: int | None = None,
) -> HealthScoredEvent:
    components = [
        ScoreComponent(
            measure="license_utilization", raw_value=utilisation, weight=20.0, explanation="x"
        )
    ]
    return HealthScoredEvent(
        occurred_at=at,
        account_id="acct-1",
        payload=HealthScored(
            score=score,
            band="yellow",
            components=components,
            open_escalations=open_escalations,
            as_of=at,
        ),
    )


def test_each_fact_type_has_its_projector_in_order_between_the_lock_and_the_rederive() -> None:
    declared = routes(bootstrap(RenewalsSettings()))

    assert [(route.types, route.projector) for route in declared.routes] == [
        (("account.upserted",), crm.apply_accounts),
        (("subscription.upserted",), crm.apply_subscriptions),
        (("renewal.booked",), crm.apply_bookings),
        (("subscription.cancelled",), crm.apply_cancellations),
        (("renewal.opportunity_updated",), crm.apply_opportunities),
        (("contact.changed",), crm.apply_contacts),
        (("health.scored",), health.apply_scores),
    ]
    assert declared.before is lock_written
    assert declared.after is not None
    assert declared.topics == ("cs.crm.v1", "cs.health.v1")


def test_a_batch_touches_subscriptions_accounts_and_signals_at_their_newest_event() -> None:
    later = T0 + timedelta(hours=1)
    batch = Batch(
        [
            upsert(later),
            upsert(T0),
            booked(T0),
            contact(T0, "acct-2"),
            scored(50, later),
            scored(40, T0),
        ]
    )

    touched = Touched.by(batch)

    assert touched.subscriptions == {"sub-1": later, "sub-2": T0}
    assert touched.accounts == {}
    assert touched.signals == {"acct-2": T0, "acct-1": later}
    assert written_accounts(batch) == {"acct-1", "acct-2"}


def test_health_keeps_one_score_per_day_with_utilisation_as_a_fraction_and_escalations() -> None:
    rows = health.score_rows(
        [
            scored(40, T0, 55.0, open_escalations=3),
            scored(60, T0 + timedelta(hours=2), 65.0, open_escalations=1),
            scored(20, T0 - timedelta(days=1)),
        ]
    )

    assert [
        (r["day"], r["score"], r["utilisation"], r["open_escalations"])
        for r in sorted(rows, key=lambda r: r["day"])
    ] == [
        (date(2026, 1, 4), 20, None, None),
        (date(2026, 1, 5), 60, 0.65, 1),
    ]
