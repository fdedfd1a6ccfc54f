"""The composition root: bootstrap builds the parts without I/O, and the spec declares
what the notifier consumes, emits, schedules and runs."""

from __future__ import annotations

from radar_notifier.main import bootstrap, spec
from radar_notifier.projection.alerts import AlertProjector
from radar_notifier.settings import NotifierSettings
from radar_schemas.topics import ALERTS


def test_the_spec_routes_alert_events_to_the_projector_and_runs_the_worker() -> None:
    parts = bootstrap(NotifierSettings(), environ={})
    declared = spec(parts)
    [route] = declared.routes.routes if declared.routes else ()
    assert route.types == ("alert.raised", "alert.resolved")
    assert isinstance(route.projector, AlertProjector)
    assert declared.consumes == (ALERTS,)
    assert declared.emits == ()
    assert list(declared.workers) == [parts.worker]
    assert [job.name for job in declared.jobs] == ["purge-delivery-log"]


def test_bootstrap_takes_rules_given_instead_of_reading_a_file(tmp_path) -> None:
    shipped = bootstrap(NotifierSettings(), environ={}).rules
    mine = shipped.model_copy(update={"inhibit_rules": ()})
    missing = tmp_path / "never-read.toml"
    parts = bootstrap(NotifierSettings(rules_path=missing), rules=mine, environ={})
    assert parts.rules is mine
