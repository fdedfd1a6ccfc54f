"""Builders for the notifier's unit tests (a unique module name: tests/ has no root package)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from radar_notifier.domain.alerts import AlertView, Driver, Person
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import PendingNotification
from radar_notifier.domain.routing import Recipient
from radar_notifier.rules import PACKAGE, NotifierRules
from radar_runtime.rules import parse_toml, rules_from_mapping
from radar_schemas.common import AlertRule, Region, Segment, Severity

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OWNER = Person(name="Jane Doe", email="jane@example.com", slack_id="U0123ABC")
MANAGER = Person(name="Max Boss", email="max@example.com")


def make_alert(**overrides: Any) -> AlertView:
    fields: dict[str, Any] = {
        "alert_id": "a-1",
        "rule": AlertRule.RENEWAL_AT_RISK,
        "severity": Severity.CRITICAL,
        "dedup_key": "renewal.at_risk:acct-1:sub-1",
        "title": "Renewal at risk",
        "summary": "Risk band high with 75 days to renewal.",
        "account_id": "acct-1",
        "account_name": "Acme Corp",
        "segment": Segment.ENTERPRISE,
        "region": Region.EMEA,
        "occurred_at": T0,
        "drivers": (
            Driver(name="usage_trend", value=-42.5, explanation="Active usage fell 42.5 %"),
            Driver(name="health_score", value=38, explanation="Health is red"),
        ),
        "recommended_actions": ("Schedule a check-in", "Offer training"),
        "owner": OWNER,
        "manager": MANAGER,
        "arr": 120_000.0,
        "currency": "USD",
        "subscription_id": "sub-1",
        "renewal_date": date(2026, 5, 15),
        "health_score": 38.0,
    }
    fields.update(overrides)
    return AlertView(**fields)


def email(address: str, route: str = "default") -> Recipient:
    return Recipient(ChannelKind.EMAIL, address, route)


def slack(channel: str, route: str = "default") -> Recipient:
    return Recipient(ChannelKind.SLACK, channel, route)


def pending(
    recipient: Recipient, alert: AlertView, enqueued_at: datetime = T0
) -> PendingNotification:
    return PendingNotification(recipient=recipient, alert=alert, enqueued_at=enqueued_at)


def config(toml: str = "") -> NotifierRules:
    """The shipped rules with `toml` laid over them, as the service loads a rule file."""
    return rules_from_mapping(NotifierRules, PACKAGE, parse_toml(toml, "test.toml"), "test.toml")


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
