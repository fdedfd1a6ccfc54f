"""The notifier's rule file: routing, fatigue timings, retries, inhibition, Slack hosts.

The model of the file the runtime's one loader reads (`radar_runtime.rules`): the
shipped defaults.toml, with the user's file deep-merged over it (tables key by key,
lists such as `routes` replaced whole). Its sections are the settings models of
domain/; this module adds the checks across sections. Secrets never live here:
Slack channels are named, and their webhook URLs come from the environment (see
senders/slack.py). Process settings (ports, database, SMTP) live in settings.py.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radar_notifier.domain.channels import ChannelKind, slack_webhook_env_var
from radar_notifier.domain.email_links import LinkRules
from radar_notifier.domain.fatigue import History, InhibitRule, Timings
from radar_notifier.domain.former_customers import FormerCustomers
from radar_notifier.domain.people import PersonEntry
from radar_notifier.domain.quality import QualityRules
from radar_notifier.domain.retry import RetryPolicy
from radar_notifier.domain.routing import DefaultRoute, Route
from radar_notifier.domain.worsening import Renotify
from radar_runtime.rules import RuleError

PACKAGE = "radar_notifier"


class SlackRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Webhook URLs must point at one of these hosts (over https).
    allowed_webhook_hosts: Annotated[tuple[str, ...], Field(min_length=1)]


class NotifierRules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1]
    timings: Timings
    history: History
    retry: RetryPolicy
    slack: SlackRules
    routes: tuple[Route, ...]
    default_route: DefaultRoute
    inhibit_rules: tuple[InhibitRule, ...]
    former_customers: FormerCustomers
    people: tuple[PersonEntry, ...]
    email_links: LinkRules
    quality: QualityRules
    renotify: tuple[Renotify, ...]

    @property
    def slack_channels(self) -> tuple[str, ...]:
        """Every Slack channel a route names: each needs a webhook URL."""
        specs = [c for r in self.routes for c in r.channels] + list(self.default_route.channels)
        return tuple(sorted({c.target for c in specs if c.kind is ChannelKind.SLACK}))

    @model_validator(mode="after")
    def _names_are_unambiguous(self) -> NotifierRules:
        route_names = {self.default_route.name}
        for index, route in enumerate(self.routes):
            if route.name in route_names:
                raise RuleError(f"routes[{index}].name", f"duplicate name {route.name!r}")
            route_names.add(route.name)
        rule_names = [rule.name for rule in self.inhibit_rules]
        for index, name in enumerate(rule_names):
            if name in rule_names[:index]:
                raise RuleError(f"inhibit_rules[{index}].name", f"duplicate name {name!r}")
        by_env_var: dict[str, str] = {}
        for channel in self.slack_channels:
            env_var = slack_webhook_env_var(channel)
            if env_var in by_env_var:
                raise RuleError(
                    "routes",
                    f"slack channels {by_env_var[env_var]!r} and {channel!r} would share "
                    f"the webhook variable {env_var}; rename one",
                )
            by_env_var[env_var] = channel
        return self
