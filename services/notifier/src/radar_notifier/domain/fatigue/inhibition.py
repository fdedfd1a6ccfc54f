"""Inhibition, as in Alertmanager: a raised source alert mutes matching target alerts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.matching import AlertMatcher, Label, alert_label, alert_matches


class InhibitRule(BaseModel):
    """One `[[inhibit_rules]]` entry: a raised alert matching `source_match` mutes the
    alerts matching `target_match` that have the same value for every `equal` field."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: Annotated[str, Field(min_length=1)]
    source_match: AlertMatcher
    target_match: AlertMatcher
    equal: tuple[Label, ...] = ("account_id",)


@dataclass(frozen=True)
class Inhibition:
    """Which rule muted an alert, and which alert it was muted by."""

    rule: str
    source_alert_id: str
    source_dedup_key: str


def find_inhibitor(
    alert: AlertView, active_alerts: Iterable[AlertView], rules: Sequence[InhibitRule]
) -> Inhibition | None:
    """The first (rule, source alert) muting `alert`, or None.

    Only raised alerts are muted and only raised alerts mute: a resolved notice goes
    to whoever was told of the raise, even if a critical alert is open meanwhile.
    """
    if alert.resolved:
        return None
    sources = [a for a in active_alerts if not a.resolved and a.dedup_key != alert.dedup_key]
    for rule in rules:
        if not alert_matches(rule.target_match, alert):
            continue
        for source in sources:
            if _inhibits(rule, source, alert):
                return Inhibition(rule.name, source.alert_id, source.dedup_key)
    return None


def inhibited(
    alert: AlertView, active_alerts: Iterable[AlertView], rules: Sequence[InhibitRule]
) -> bool:
    return find_inhibitor(alert, active_alerts, rules) is not None


def _inhibits(rule: InhibitRule, source: AlertView, target: AlertView) -> bool:
    if not alert_matches(rule.source_match, source):
        return False
    # Alertmanager's guard against mutual muting: when the target could itself be a
    # source, a source that could itself be a target does not mute it.
    if alert_matches(rule.source_match, target) and alert_matches(rule.target_match, source):
        return False
    return all(alert_label(source, label) == alert_label(target, label) for label in rule.equal)
