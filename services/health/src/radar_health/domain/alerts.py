"""Conditions and the alert lifecycle: raise once per dedup_key while it holds, resolve after.

Rules produce *conditions* describing the current state; `diff_alerts` compares them
with the alerts already open and says what to raise and what to resolve. Running it
twice on the same conditions changes nothing the second time.

- A condition with `sustain_only` keeps an open alert open but never raises one: used
  for transitions such as a band drop, which hold after the drop but must not fire
  again on a later recompute (see `alert_rules.score`).
- A held condition whose severity rose (a champion left and the renewal came within
  180 days) resolves the open alert as superseded and raises it again at the new
  severity, so the escalation is delivered. A lower severity keeps the open alert.
- Only alerts of the health rules are considered; others in `active` are left alone.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from radar_schemas.common import AlertRule, Severity

_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def severity_rank(severity: Severity) -> int:
    return _SEVERITY_RANK[severity]


# The rules this service raises alerts for; alerts of other rules are never its to resolve.
HEALTH_RULES = frozenset(
    {
        AlertRule.HEALTH_BAND_DROPPED,
        AlertRule.HEALTH_SHARP_DECLINE,
        AlertRule.USAGE_SHARP_DROP,
        AlertRule.ENGAGEMENT_SILENT,
        AlertRule.CHAMPION_LEFT,
        AlertRule.SUPPORT_ESCALATION,
        AlertRule.NPS_DETRACTOR,
    }
)


def dedup_key(rule: AlertRule, account_id: str, *subject: str) -> str:
    """`<rule>:<account>[:<subject>…]`, stable across recomputes."""
    return ":".join((rule.value, account_id, *subject))


@dataclass(frozen=True, slots=True)
class Driver:
    name: str
    value: float | int | str | None
    explanation: str


@dataclass(frozen=True, slots=True)
class Condition:
    rule: AlertRule
    severity: Severity
    dedup_key: str
    account_id: str
    title: str
    summary: str
    drivers: tuple[Driver, ...]
    recommended_actions: tuple[str, ...]
    subject_id: str | None = None  # the ticket or contact the condition is about
    sustain_only: bool = False
    person: str | None = None  # the contact as named in the title (a name once known)


@dataclass(frozen=True, slots=True)
class ActiveAlert:
    dedup_key: str
    rule: AlertRule
    severity: Severity
    account_id: str
    raised_at: datetime
    alert_id: str | None = None  # assigned where alerts are stored

    @classmethod
    def from_condition(
        cls, condition: Condition, raised_at: datetime, alert_id: str | None = None
    ) -> "ActiveAlert":
        return cls(
            dedup_key=condition.dedup_key,
            rule=condition.rule,
            severity=condition.severity,
            account_id=condition.account_id,
            raised_at=raised_at,
            alert_id=alert_id,
        )


class ResolveReason(StrEnum):
    CLEARED = "cleared"  # the condition no longer holds
    SUPERSEDED = "superseded"  # raised again at a higher severity


@dataclass(frozen=True, slots=True)
class Resolution:
    alert: ActiveAlert
    reason: ResolveReason
    resolved_at: datetime


@dataclass(frozen=True, slots=True)
class AlertChanges:
    as_of: datetime
    raised: tuple[Condition, ...]
    resolved: tuple[Resolution, ...]  # emit these before `raised`
    held: tuple[Condition, ...] = ()  # holding, with their alert open: shown as now

    @property
    def is_empty(self) -> bool:
        return not self.raised and not self.resolved


def diff_alerts(
    active: Mapping[str, ActiveAlert], conditions: Iterable[Condition], as_of: datetime
) -> AlertChanges:
    holding: dict[str, Condition] = {}
    for condition in conditions:
        known = holding.get(condition.dedup_key)
        if known is None or _outranks(condition, known):
            holding[condition.dedup_key] = condition

    raised: list[Condition] = []
    resolved: list[Resolution] = []
    holding_alerts: list[Condition] = []
    for key in sorted(active):
        alert = active[key]
        if alert.rule not in HEALTH_RULES:
            continue
        held = holding.get(key)
        if held is None:
            resolved.append(Resolution(alert, ResolveReason.CLEARED, as_of))
        elif not held.sustain_only and severity_rank(held.severity) > severity_rank(alert.severity):
            resolved.append(Resolution(alert, ResolveReason.SUPERSEDED, as_of))
            raised.append(held)
        elif held.severity == alert.severity:
            holding_alerts.append(held)
    raised.extend(
        condition
        for key, condition in sorted(holding.items())
        if key not in active and not condition.sustain_only
    )
    return AlertChanges(as_of, tuple(raised), tuple(resolved), tuple(holding_alerts))


def _outranks(candidate: Condition, known: Condition) -> bool:
    """Of two conditions with one key, a raising one beats a sustaining one, then severity."""
    return (not candidate.sustain_only, severity_rank(candidate.severity)) > (
        not known.sustain_only,
        severity_rank(known.severity),
    )


def apply_changes(
    active: Mapping[str, ActiveAlert], changes: AlertChanges
) -> dict[str, ActiveAlert]:
    """The open alerts after `changes`: what a repository would store (without alert ids)."""
    after = dict(active)
    for resolution in changes.resolved:
        after.pop(resolution.alert.dedup_key, None)
    for condition in changes.raised:
        after[condition.dedup_key] = ActiveAlert.from_condition(condition, changes.as_of)
    return after
