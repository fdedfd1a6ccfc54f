"""Builders for the health domain's unit tests (a uniquely named module, not a conftest,
so other services' test helpers cannot shadow it on sys.path)."""

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any

from radar_health.domain.alert_rules import evaluate_rules
from radar_health.domain.alert_rules.settings import AlertRules
from radar_health.domain.alerts import Condition
from radar_health.domain.assess import AccountFacts, Assessment, StoredAlert, StoredHealth, assess
from radar_health.domain.scorecard import Measure, Scorecard
from radar_health.domain.scoring import HealthScore
from radar_health.domain.signals import AccountSignals
from radar_health.domain.trend import ScoreTrend
from radar_health.rules import PACKAGE, HealthRules
from radar_runtime.rules import load_rules, rules_from_mapping
from radar_schemas.common import AlertRule, Band

ACCOUNT = "acct-1"
AS_OF = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
TODAY = AS_OF.date()


@cache
def default_rules() -> HealthRules:
    return load_rules(HealthRules, PACKAGE)


def rules_with(overrides: Mapping[str, Any], source: str = "<memory>") -> HealthRules:
    """The shipped rules with `overrides` laid over them, as a rule file would be."""
    return rules_from_mapping(HealthRules, PACKAGE, overrides, source)


def default_card() -> Scorecard:
    return default_rules().scorecard


def alert_rules(**overrides: Mapping[str, Any]) -> AlertRules:
    """Default rules with some rule sections changed, e.g. usage_sharp_drop={"min_baseline": 5}."""
    if not overrides:
        return default_rules().alerts
    return rules_with({"rules": overrides}).alerts


def card_with(**sections: Mapping[str, Any]) -> Scorecard:
    """The default scorecard with some sections changed, e.g. weights={"relationship": 0}."""
    return rules_with({"scorecard": sections}).scorecard


def only(measure: Measure) -> Scorecard:
    """A scorecard weighting one measure, so the score equals that measure's sub-score."""
    return card_with(weights={m.value: (1 if m is measure else 0) for m in Measure})


def ago(days: float = 0, hours: float = 0) -> datetime:
    return AS_OF - timedelta(days=days, hours=hours)


def day_ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def signals(**fields: Any) -> AccountSignals:
    return replace(AccountSignals(account_id=ACCOUNT), **fields)


def usage_days(recent_total: float, previous_total: float, window: int = 30) -> dict[date, float]:
    """Each total spread evenly over its window of whole days before today."""
    usage: dict[date, float] = {}
    for offset in range(1, window + 1):
        usage[day_ago(offset)] = recent_total / window
        usage[day_ago(window + offset)] = previous_total / window
    return usage


def health(score: float | None, band: Band | None = None, at: datetime = AS_OF) -> HealthScore:
    """A HealthScore as the rules see it; the band follows the default thresholds if not given."""
    bands = default_card().bands
    if band is None and score is not None:
        band = bands.band_for(score)
    return HealthScore(
        account_id=ACCOUNT,
        as_of=at,
        score=score,
        band=band,
        components=(),
        missing=(),
        scorecard="default",
        bands=bands,
    )


def evaluate(
    account: AccountSignals | None = None,
    current: HealthScore | None = None,
    previous: HealthScore | None = None,
    trend: ScoreTrend | None = None,
    rules: AlertRules | None = None,
    as_of: datetime = AS_OF,
) -> list[Condition]:
    """evaluate_rules with harmless defaults for whatever a test does not care about."""
    return evaluate_rules(
        account or signals(),
        current or health(None),
        previous,
        trend,
        rules or default_rules().alerts,
        as_of,
    )


def of_rule(conditions: list[Condition], rule: AlertRule) -> list[Condition]:
    return [c for c in conditions if c.rule is rule]


def assess_by_default(
    facts: AccountFacts,
    stored: StoredHealth,
    past: list[tuple[datetime, float]] | tuple[()] = (),
    alerts: Mapping[str, StoredAlert] | None = None,
    as_of: datetime = AS_OF,
) -> Assessment:
    """`assess` under the shipped rules, with the scorecard of the account's segment."""
    rules = default_rules()
    card = rules.scorecard.for_segment(facts.signals.segment)
    return assess(facts, stored, list(past), alerts or {}, card, rules.alerts, as_of)
