"""Sorting a consumed batch, and newest-wins inside it."""

import json
from datetime import UTC, datetime, timedelta
from uuid import UUID

from radar_health.projection.batch import HealthBatch
from radar_runtime.versions import newer, newest_by
from radar_schemas.codec import decode
from radar_schemas.crm import EngagementLogged, EngagementLoggedEvent
from radar_schemas.examples import EXAMPLES

T = datetime(2026, 3, 1, tzinfo=UTC)


def example(event_type: str, **changes) -> object:
    body = {**EXAMPLES[event_type], **changes}
    return decode(json.dumps(body, default=str))


def test_each_event_type_lands_in_its_group_and_others_are_ignored():
    events = [example(t) for t in EXAMPLES]
    batch = HealthBatch.of(events)
    assert len(batch.usage) == 1 and len(batch.tickets) == 3
    assert [len(g) for g in (batch.profiles, batch.subscriptions, batch.bookings)] == [1, 1, 1]
    assert [len(g) for g in (batch.cancellations, batch.engagements, batch.contacts)] == [1, 1, 1]
    assert [len(g) for g in (batch.nps, batch.csat)] == [1, 1]
    # Usage is recomputed later; everything else with its batch. Derived types are not read.
    assert len(batch.non_usage()) == len(events) - 1 - 1 - 4


def engagement(minutes: int, event_id: int) -> EngagementLoggedEvent:
    return EngagementLoggedEvent(
        event_id=UUID(int=event_id),
        occurred_at=T + timedelta(minutes=minutes),
        account_id="acct-1",
        payload=EngagementLogged(kind="call"),
    )


def test_the_newest_event_wins_and_the_event_id_breaks_ties_in_any_order():
    a, b, c = engagement(5, 1), engagement(9, 2), engagement(9, 3)
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        assert newest_by(order, lambda e: e.account_id) == {"acct-1": c}


def test_the_sql_twin_compares_the_same_pair():
    assert newer("EXCLUDED", "t") == (
        "(EXCLUDED.version_at IS NOT NULL AND (t.version_at IS NULL"
        " OR (EXCLUDED.version_at, EXCLUDED.version_id) > (t.version_at, t.version_id)))"
    )
