"""Inhibition, as in Alertmanager: a raised source alert mutes matching target alerts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from radar_notifier.config import InhibitRule, NotifierConfig
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.matching import alert_label, alert_matches


@dataclass(frozen=True)
class Inhibition:
    """Which rule muted an alert, and which alert it was muted by."""

    rule: str
    source_alert_id: str
    source_dedup_key: str


def find_inhibitor(
    alert: AlertView, active_alerts: Iterable[AlertView], cfg: NotifierConfig
) -> Inhibition | None:
    """The first (rule, source alert) muting `alert`, or None.

    Only raised alerts are muted and only raised alerts mute: a resolved notice goes
    to whoever was told of the raise, even if a critical alert is open meanwhile.
    """
    if alert.resolved:
        return None
    sources = [a for a in active_alerts if not a.resolved and a.dedup_key != alert.dedup_key]
    for rule in cfg.inhibit_rules:
        if not alert_matches(rule.target_match, alert):
            continue
        for source in sources:
            if _inhibits(rule, source, alert):
                return Inhibition(rule.name, source.alert_id, source.dedup_key)
    return None


def inhibited(alert: AlertView, active_alerts: Iterable[AlertView], cfg: NotifierConfig) -> bool:
    return find_inhibitor(alert, active_alerts, cfg) is not None


def _inhibits(rule: InhibitRule, source: AlertView, target: AlertView) -> bool:
    if not alert_matches(rule.source_match, source):
        return False
    # Alertmanager's guard against mutual muting: when the target could itself be a
    # source, a source that could itself be a target does not mute it.
    if alert_matches(rule.source_match, target) and alert_matches(rule.target_match, source):
        return False
    return all(alert_label(source, label) == alert_label(target, label) for label in rule.equal)
