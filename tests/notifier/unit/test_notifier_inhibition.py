from __future__ import annotations

from notifier_factories import config, make_alert

from radar_notifier.domain.fatigue import find_inhibitor, inhibited
from radar_schemas.common import AlertRule, Severity

CRITICAL = make_alert(
    alert_id="c-1", dedup_key="renewal.at_risk:acct-1", severity=Severity.CRITICAL
)
WARNING = make_alert(
    alert_id="w-1",
    rule=AlertRule.USAGE_SHARP_DROP,
    dedup_key="usage:acct-1",
    severity=Severity.WARNING,
)
INFO = make_alert(
    alert_id="i-1",
    rule=AlertRule.RENEWAL_WINDOW_OPENED,
    dedup_key="window:acct-1",
    severity=Severity.INFO,
)


def test_raised_critical_mutes_the_same_accounts_warnings() -> None:
    found = find_inhibitor(WARNING, [CRITICAL, WARNING], config().inhibit_rules)
    assert found is not None
    assert (found.rule, found.source_alert_id) == ("critical-mutes-warnings", "c-1")


def test_other_accounts_are_not_muted() -> None:
    other = make_alert(alert_id="c-2", dedup_key="renewal.at_risk:acct-2", account_id="acct-2")
    assert inhibited(WARNING, [other], config().inhibit_rules) is False


def test_resolved_critical_mutes_nothing() -> None:
    assert (
        inhibited(WARNING, [make_alert(alert_id="c-1", resolved=True)], config().inhibit_rules)
        is False
    )


def test_info_is_not_muted_by_default() -> None:
    assert inhibited(INFO, [CRITICAL], config().inhibit_rules) is False


def test_criticals_are_never_muted_by_default() -> None:
    other_critical = make_alert(
        alert_id="c-9", rule=AlertRule.RENEWAL_OVERDUE, dedup_key="overdue:acct-1"
    )
    assert inhibited(other_critical, [CRITICAL], config().inhibit_rules) is False


def test_resolved_notices_are_never_muted() -> None:
    resolved_warning = make_alert(
        alert_id="w-1r", dedup_key="usage:acct-1", severity=Severity.WARNING, resolved=True
    )
    assert inhibited(resolved_warning, [CRITICAL], config().inhibit_rules) is False


def test_inhibition_off_when_no_rules() -> None:
    assert inhibited(WARNING, [CRITICAL], config("inhibit_rules = []").inhibit_rules) is False


def test_configurable_rule_can_mute_info_and_compare_other_labels() -> None:
    toml = """
    [[inhibit_rules]]
    name = "at-risk-mutes-renewal-noise"
    source_match = { rule = "renewal.at_risk" }
    target_match = { rule = "renewal.*", severity = ["info", "warning"] }
    equal = ["account_id", "subscription_id"]
    """
    assert inhibited(INFO, [CRITICAL], config(toml).inhibit_rules) is True
    other_subscription = make_alert(
        alert_id="i-2",
        rule=AlertRule.RENEWAL_WINDOW_OPENED,
        dedup_key="window:acct-1:sub-2",
        severity=Severity.INFO,
        subscription_id="sub-2",
    )
    assert inhibited(other_subscription, [CRITICAL], config(toml).inhibit_rules) is False


def test_alerts_matching_both_sides_do_not_mute_each_other() -> None:
    toml = """
    [[inhibit_rules]]
    name = "any-warning-mutes-warnings"
    source_match = { severity = ["warning"] }
    target_match = { severity = ["warning"] }
    """
    other_warning = make_alert(
        alert_id="w-2",
        rule=AlertRule.NPS_DETRACTOR,
        dedup_key="nps:acct-1",
        severity=Severity.WARNING,
    )
    assert inhibited(WARNING, [other_warning, WARNING], config(toml).inhibit_rules) is False
