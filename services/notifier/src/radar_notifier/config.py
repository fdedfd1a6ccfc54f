"""The notifier's rule file: routing, fatigue timings, retries, inhibition, Slack names.

Loaded once at start-up from TOML (`load_config`) and validated; every mistake is
reported as a `ConfigError` naming the file, the dotted key and the reason. Secrets
never live here: Slack channels are named, and their webhook URLs are read from the
environment by the I/O layer (see `resolve_slack_webhooks`). Process settings
(ports, database, SMTP credentials) live in `settings.py`, not here.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from importlib import resources
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationError,
    model_validator,
)

from radar_notifier.domain.alerts import Severity
from radar_notifier.domain.channels import (
    ChannelKind,
    ChannelSpec,
    parse_channel,
    slack_webhook_env_var,
)
from radar_notifier.domain.durations import format_duration, parse_duration

DEFAULTS_RESOURCE = "defaults.toml"

Segment = Literal["smb", "mid_market", "enterprise"]
Region = Literal["amer", "emea", "apac"]
# Alert fields an inhibition rule may require to be equal on source and target.
Label = Literal["account_id", "subscription_id", "segment", "region", "rule", "severity"]
JitterMode = Literal["full", "equal", "none"]


def _one_or_many(value: object) -> object:
    # `rule = "renewal.*"` reads better than `rule = ["renewal.*"]` for the common case.
    return [value] if isinstance(value, str) else value


def _channel(value: object) -> ChannelSpec:
    if isinstance(value, ChannelSpec):
        return value
    if not isinstance(value, str):
        raise ValueError("a channel is a string like 'email:owner' or 'slack:cs-alerts'")
    return parse_channel(value)


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration)]
Channel = Annotated[ChannelSpec, PlainValidator(_channel), PlainSerializer(str)]
Globs = Annotated[tuple[Annotated[str, Field(min_length=1)], ...], BeforeValidator(_one_or_many)]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class AlertMatcher(_Section):
    """Conditions on an alert; all given conditions must hold, an empty matcher matches all."""

    rule: Globs = ()
    severity: Annotated[tuple[Severity, ...], BeforeValidator(_one_or_many)] = ()
    min_severity: Severity | None = None
    segment: Annotated[tuple[Segment, ...], BeforeValidator(_one_or_many)] = ()
    region: Annotated[tuple[Region, ...], BeforeValidator(_one_or_many)] = ()

    @model_validator(mode="after")
    def _one_severity_condition(self) -> AlertMatcher:
        if self.severity and self.min_severity is not None:
            raise ValueError("give either 'severity' (a list) or 'min_severity', not both")
        return self


class Route(_Section):
    name: Annotated[str, Field(min_length=1)]
    match: AlertMatcher = AlertMatcher()
    # An empty list silences what the route matches (like Alertmanager's null receiver).
    channels: tuple[Channel, ...] = ()
    continue_: bool = Field(default=False, alias="continue")


class DefaultRoute(_Section):
    name: Annotated[str, Field(min_length=1)] = "default"
    channels: Annotated[tuple[Channel, ...], Field(min_length=1)] = (parse_channel("email:owner"),)


class Timings(_Section):
    group_wait: Annotated[Duration, Field(ge=timedelta(0))] = timedelta(seconds=30)
    group_interval: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=5)
    repeat_interval: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(hours=24)


class RetryPolicy(_Section):
    max_attempts: Annotated[int, Field(ge=1, le=100)] = 8
    base_delay: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(seconds=2)
    factor: Annotated[float, Field(ge=1.0, le=10.0)] = 2.0
    max_delay: Annotated[Duration, Field(gt=timedelta(0))] = timedelta(minutes=10)
    jitter: JitterMode = "full"
    # A server's Retry-After is honoured up to this, so a bogus value cannot park a
    # delivery for days.
    max_retry_after: Annotated[Duration, Field(ge=timedelta(0))] = timedelta(hours=1)

    @model_validator(mode="after")
    def _cap_not_below_base(self) -> RetryPolicy:
        if self.max_delay < self.base_delay:
            raise ValueError("max_delay must not be smaller than base_delay")
        return self


class SlackConfig(_Section):
    allowed_webhook_hosts: Annotated[tuple[str, ...], Field(min_length=1)] = ("hooks.slack.com",)


class InhibitRule(_Section):
    name: Annotated[str, Field(min_length=1)]
    source_match: AlertMatcher
    target_match: AlertMatcher
    equal: tuple[Label, ...] = ("account_id",)


DEFAULT_ROUTES = (
    Route(
        name="critical",
        match=AlertMatcher(min_severity=Severity.CRITICAL),
        channels=(parse_channel("email:owner"), parse_channel("email:manager")),
    ),
)
DEFAULT_INHIBIT_RULES = (
    InhibitRule(
        name="critical-mutes-warnings",
        source_match=AlertMatcher(severity=(Severity.CRITICAL,)),
        target_match=AlertMatcher(severity=(Severity.WARNING,)),
        equal=("account_id",),
    ),
)


class NotifierConfig(_Section):
    version: Literal[1] = 1
    timings: Timings = Timings()
    retry: RetryPolicy = RetryPolicy()
    slack: SlackConfig = SlackConfig()
    routes: tuple[Route, ...] = DEFAULT_ROUTES
    default_route: DefaultRoute = DefaultRoute()
    inhibit_rules: tuple[InhibitRule, ...] = DEFAULT_INHIBIT_RULES

    @property
    def slack_channels(self) -> tuple[str, ...]:
        """Every Slack channel a route names: the I/O layer needs one webhook for each."""
        specs = [c for r in self.routes for c in r.channels] + list(self.default_route.channels)
        return tuple(sorted({c.target for c in specs if c.kind is ChannelKind.SLACK}))

    @model_validator(mode="after")
    def _names_are_unambiguous(self) -> NotifierConfig:
        route_names = {self.default_route.name}
        for index, route in enumerate(self.routes):
            if route.name in route_names:
                raise _KeyedValueError(f"routes[{index}].name", f"duplicate name {route.name!r}")
            route_names.add(route.name)
        rule_names = [rule.name for rule in self.inhibit_rules]
        for index, name in enumerate(rule_names):
            if name in rule_names[:index]:
                raise _KeyedValueError(f"inhibit_rules[{index}].name", f"duplicate name {name!r}")
        by_env_var: dict[str, str] = {}
        for channel in self.slack_channels:
            env_var = slack_webhook_env_var(channel)
            if env_var in by_env_var:
                raise _KeyedValueError(
                    "routes",
                    f"slack channels {by_env_var[env_var]!r} and {channel!r} would share "
                    f"the webhook variable {env_var}; rename one",
                )
            by_env_var[env_var] = channel
        return self


# ---------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class ConfigIssue:
    key: str
    reason: str


class ConfigError(Exception):
    """A configuration mistake: which file (or `environment`), which key, and why."""

    def __init__(self, file: str, issues: Sequence[ConfigIssue]) -> None:
        self.file = file
        self.issues = tuple(issues)
        lines = [f"{file}: {i.key or '(top level)'}: {i.reason}" for i in self.issues]
        super().__init__("invalid notifier configuration\n  " + "\n  ".join(lines))

    @property
    def key(self) -> str:
        return self.issues[0].key

    @property
    def reason(self) -> str:
        return self.issues[0].reason


class _KeyedValueError(ValueError):
    """Raised by cross-field checks so the error still points at a precise key."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(reason)
        self.key = key
        self.reason = reason


def _dotted(loc: Sequence[int | str]) -> str:
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else part)
    return key


def _issues(error: ValidationError) -> list[ConfigIssue]:
    issues = []
    for detail in error.errors(include_url=False):
        loc = detail["loc"]
        cause = detail.get("ctx", {}).get("error")
        if isinstance(cause, _KeyedValueError):
            prefix = _dotted(loc)
            key = f"{prefix}.{cause.key}" if prefix else cause.key
            issues.append(ConfigIssue(key, cause.reason))
            continue
        reason = detail["msg"].removeprefix("Value error, ")
        if detail["type"] == "extra_forbidden":
            reason = "unknown key (check the spelling against defaults.toml)"
        issues.append(ConfigIssue(_dotted(loc), reason))
    return issues


# ---------------------------------------------------------------------------- loading


def parse_config(text: str, source: str = "<string>") -> NotifierConfig:
    """Validate TOML text; `source` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [ConfigIssue("", f"not valid TOML: {exc}")]) from exc
    try:
        return NotifierConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, _issues(exc)) from exc


def load_config(path: str | os.PathLike[str] | None = None) -> NotifierConfig:
    """Load the rule file at `path`, or the packaged defaults when `path` is None.

    A section or key missing from the file takes its default; a section that is
    present is taken as written (lists such as `routes` are replaced, not merged).
    """
    if path is None:
        text = resources.files("radar_notifier").joinpath(DEFAULTS_RESOURCE).read_text("utf-8")
        return parse_config(text, f"radar_notifier/{DEFAULTS_RESOURCE} (packaged)")
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError(source, [ConfigIssue("", f"cannot read file: {exc.strerror}")]) from exc
    return parse_config(text, source)


# ---------------------------------------------------------------------------- Slack webhooks


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def webhook_url_problem(url: str, allowed_hosts: Sequence[str]) -> str | None:
    """Why `url` must not receive alerts, or None when it may.

    HTTPS to an allowed host only; plain HTTP is accepted for loopback hosts so tests
    can run a local stand-in for Slack (which still has to be an allowed host).
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        _ = parts.port  # raises ValueError on a malformed port
    except ValueError:
        return "not a valid URL"
    if parts.username or parts.password:
        return "must not carry credentials in the URL"
    if host not in {h.lower() for h in allowed_hosts}:
        return f"host {host or '(none)'!r} is not in slack.allowed_webhook_hosts"
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(host)):
        return "must use https"
    return None


def resolve_slack_webhooks(
    config: NotifierConfig,
    environ: Mapping[str, str],
    allowed_hosts: Sequence[str] | None = None,
) -> dict[str, str]:
    """Map each configured Slack channel to its webhook URL from `environ`.

    The caller passes `os.environ`; every missing or disallowed URL is reported at
    once, naming the variable but never echoing its value (it is a secret).
    `allowed_hosts` defaults to the rule file's `slack.allowed_webhook_hosts`; the
    service widens it with loopback only when a setting says so.
    """
    hosts = config.slack.allowed_webhook_hosts if allowed_hosts is None else allowed_hosts
    urls: dict[str, str] = {}
    issues: list[ConfigIssue] = []
    for channel in config.slack_channels:
        env_var = slack_webhook_env_var(channel)
        url = environ.get(env_var, "").strip()
        problem = (
            f"missing: set it to the incoming-webhook URL of slack channel {channel!r}"
            if not url
            else webhook_url_problem(url, hosts)
        )
        if problem:
            issues.append(ConfigIssue(env_var, problem))
        else:
            urls[channel] = url
    if issues:
        raise ConfigError("environment", issues)
    return urls
