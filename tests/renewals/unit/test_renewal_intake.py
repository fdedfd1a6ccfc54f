"""Events → fact rows: one row per key per batch, the newest version kept."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from radar_renewals.projection.crm import FactBatch
from radar_renewals.store.tables import health_scores, subscription_facts
from radar_schemas import (
    EngagementLogged,
    EngagementLoggedEvent,
    HealthScored,
    HealthScoredEvent,
    ScoreComponent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
)

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def upsert(arr: float, at: datetime) -> SubscriptionUpsertedEvent:
    return SubscriptionUpsertedEvent(
        occurred_at=at,
        account_id="acct-1",
        payload=SubscriptionUpserted(
            subscription_id="sub-1",
            plan="pro",
            seats=10,
            arr=arr,
            currency="USD",
            start_date=date(2025, 1, 1),
            end_date=date(2025, 12, 31),
            auto_renew=False,
        ),
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


def test_the_newest_version_of_a_key_wins_within_a_batch() -> None:
    batch = FactBatch()
    batch.add_all([upsert(300.0, T0 + timedelta(hours=1)), upsert(100.0, T0), upsert(200.0, T0)])
    (row,) = batch.latest[subscription_facts].values()
    assert row["arr"] == Decimal("300.0")
    assert batch.touched.subscriptions == {"sub-1": T0 + timedelta(hours=1)}


def test_health_keeps_one_score_per_day_and_reads_utilisation_as_a_fraction() -> None:
    batch = FactBatch()
    batch.add_all(
        [
            scored(40, T0, 55.0, open_escalations=3),
            scored(60, T0 + timedelta(hours=2), 65.0, open_escalations=1),
            scored(20, T0 - timedelta(days=1)),
        ]
    )
    rows = sorted(batch.latest[health_scores].values(), key=lambda r: r["day"])
    assert [(r["day"], r["score"], r["utilisation"], r["open_escalations"]) for r in rows] == [
        (date(2026, 1, 4), 20, None, None),
        (date(2026, 1, 5), 60, 0.65, 1),
    ]
    assert batch.touched.signals == {"acct-1": T0 + timedelta(hours=2)}


def test_alerts_and_other_events_are_not_facts() -> None:
    batch = FactBatch()
    batch.add_all(
        [
            EngagementLoggedEvent(
                occurred_at=T0, account_id="acct-1", payload=EngagementLogged(kind="call")
            ),
        ]
    )
    assert not batch.latest and not batch.history
