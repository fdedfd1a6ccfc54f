"""diff_alerts: raise once per dedup_key while a condition holds, resolve when it clears."""

from dataclasses import replace
from datetime import timedelta

from health_factories import ACCOUNT, AS_OF

from radar_health.domain.alerts import (
    ActiveAlert,
    Condition,
    ResolveReason,
    apply_changes,
    diff_alerts,
)
from radar_schemas.common import AlertRule, Severity

LATER = AS_OF + timedelta(days=1)


def condition(
    key: str = "usage.sharp_drop:acct-1",
    severity: Severity = Severity.WARNING,
    sustain_only: bool = False,
) -> Condition:
    return Condition(
        rule=AlertRule.USAGE_SHARP_DROP,
        severity=severity,
        dedup_key=key,
        account_id=ACCOUNT,
        title="t",
        summary="s",
        drivers=(),
        recommended_actions=("Schedule a check-in",),
        sustain_only=sustain_only,
    )


def test_a_new_condition_is_raised_once() -> None:
    first = diff_alerts({}, [condition()], AS_OF)
    assert first.raised == (condition(),)
    assert first.resolved == ()
    active = apply_changes({}, first)
    second = diff_alerts(active, [condition()], LATER)
    assert second.is_empty
    assert active["usage.sharp_drop:acct-1"].raised_at == AS_OF


def test_an_alert_is_resolved_when_its_condition_no_longer_holds() -> None:
    active = apply_changes({}, diff_alerts({}, [condition()], AS_OF))
    changes = diff_alerts(active, [], LATER)
    assert changes.raised == ()
    [resolution] = changes.resolved
    assert resolution.alert == active["usage.sharp_drop:acct-1"]
    assert (resolution.reason, resolution.resolved_at) == (ResolveReason.CLEARED, LATER)
    assert apply_changes(active, changes) == {}
    assert diff_alerts({}, [], LATER).is_empty


def test_a_condition_that_returns_after_resolving_raises_again() -> None:
    active = apply_changes({}, diff_alerts({}, [condition()], AS_OF))
    active = apply_changes(active, diff_alerts(active, [], LATER))
    assert diff_alerts(active, [condition()], LATER).raised == (condition(),)


def test_sustain_only_conditions_keep_alerts_open_but_never_raise() -> None:
    assert diff_alerts({}, [condition(sustain_only=True)], AS_OF).is_empty
    active = apply_changes({}, diff_alerts({}, [condition()], AS_OF))
    assert diff_alerts(active, [condition(sustain_only=True)], LATER).is_empty


def test_higher_severity_supersedes_the_open_alert() -> None:
    active = apply_changes({}, diff_alerts({}, [condition()], AS_OF))
    critical = condition(severity=Severity.CRITICAL)
    changes = diff_alerts(active, [critical], LATER)
    assert changes.raised == (critical,)
    assert [r.reason for r in changes.resolved] == [ResolveReason.SUPERSEDED]
    active = apply_changes(active, changes)
    assert active["usage.sharp_drop:acct-1"].severity is Severity.CRITICAL
    assert diff_alerts(active, [critical], LATER).is_empty


def test_lower_severity_keeps_the_open_alert() -> None:
    active = apply_changes({}, diff_alerts({}, [condition(severity=Severity.CRITICAL)], AS_OF))
    assert diff_alerts(active, [condition()], LATER).is_empty


def test_alerts_of_other_rules_are_left_alone() -> None:
    renewal_alert = ActiveAlert(
        dedup_key="renewal.overdue:acct-1:sub-1",
        rule="renewal.overdue",
        severity=Severity.CRITICAL,
        account_id=ACCOUNT,
        raised_at=AS_OF,
    )
    assert diff_alerts({renewal_alert.dedup_key: renewal_alert}, [], LATER).is_empty


def test_duplicate_conditions_raise_one_alert_at_the_highest_severity() -> None:
    critical = condition(severity=Severity.CRITICAL)
    changes = diff_alerts({}, [condition(), critical, condition(sustain_only=True)], AS_OF)
    assert changes.raised == (critical,)


def test_changes_are_ordered_by_dedup_key() -> None:
    keys = ["b", "a", "c"]
    changes = diff_alerts({}, [condition(key=k) for k in keys], AS_OF)
    assert [c.dedup_key for c in changes.raised] == ["a", "b", "c"]


def test_from_condition_copies_identity_and_severity() -> None:
    alert = ActiveAlert.from_condition(replace(condition(), subject_id="x"), AS_OF, "alert-9")
    assert (alert.dedup_key, alert.rule, alert.severity, alert.alert_id) == (
        "usage.sharp_drop:acct-1",
        "usage.sharp_drop",
        Severity.WARNING,
        "alert-9",
    )
