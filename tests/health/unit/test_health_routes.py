"""Which event types reach which projector, and newest-wins inside a batch."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from health_factories import default_rules

from radar_health.main import bootstrap
from radar_health.projection import crm, routes, support, usage
from radar_health.settings import HealthSettings
from radar_runtime.versions import newer, newest_by
from radar_schemas.crm import EngagementLogged, EngagementLoggedEvent
from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import CRM, SUPPORT, USAGE

T = datetime(2026, 3, 1, tzinfo=UTC)


def test_each_raw_event_type_has_its_projector_and_derived_ones_are_not_read():
    declared = routes(bootstrap(HealthSettings(), rules=default_rules()))
    projector = {t: route.projector for route in declared.routes for t in route.types}
    assert projector["usage.recorded"] is usage.apply_usage
    assert projector["account.upserted"] is crm.apply_profiles
    assert projector["renewal.booked"] is projector["subscription.cancelled"]
    assert projector["subscription.upserted"] is crm.apply_subscriptions
    assert projector["contact.identified"] is crm.apply_identities
    assert projector["ticket.updated"] is projector["ticket.closed"] is support.apply_tickets
    assert set(projector) == set(EXAMPLES) - {
        "renewal.opportunity_updated",  # not a health signal
        "health.scored",
        "renewal.state_changed",
        "alert.raised",
        "alert.resolved",
    }
    assert declared.topics == tuple(sorted((CRM, SUPPORT, USAGE)))


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
