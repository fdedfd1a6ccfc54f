"""The composition root: bootstrap builds the parts without I/O, and the spec declares
what the notifier consumes, emits, schedules and runs."""

from __future__ import annotations

from radar_notifier.main import bootstrap, spec
from radar_notifier.projection.alerts import AlertProjector
from radar_notifier.projection.renewals import RenewalOutcomes
from radar_notifier.settings import NotifierSettings
from radar_schemas.topics import ALERTS, RENEWALS


def test_the_spec_routes_alert_and_renewal_events_and_runs_the_worker() -> None:
    parts = bootstrap(NotifierSettings(), environ={})
    declared = spec(parts)
    alerts, renewals = declared.routes.routes if declared.routes else ()
    assert alerts.types == ("alert.raised", "alert.resolved")
    assert isinstance(alerts.projector, AlertProjector)
    # Renewal outcomes feed the rule quality report; the notifier publishes nothing.
    assert renewals.types == ("renewal.state_changed",)
    assert isinstance(renewals.projector, RenewalOutcomes)
    assert set(declared.consumes) == {ALERTS, RENEWALS}
    assert declared.emits == ()
    assert list(declared.workers) == [parts.worker]
    assert [job.name for job in declared.jobs] == ["purge-delivery-log"]


def test_bootstrap_takes_rules_given_instead_of_reading_a_file(tmp_path) -> None:
    shipped = bootstrap(NotifierSettings(), environ={}).rules
    mine = shipped.model_copy(update={"inhibit_rules": ()})
    missing = tmp_path / "never-read.toml"
    parts = bootstrap(NotifierSettings(rules_path=missing), rules=mine, environ={})
    assert parts.rules is mine
