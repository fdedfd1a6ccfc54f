"""The health rule file: scorecards (default and per segment) and early-warning rules.

`load_config()` reads `radar_health/defaults.toml`; `load_config(path)` lays the file at
`path` over those defaults, so a file only names what it changes. Anything invalid
raises one `ConfigError` listing every problem as `<file>: <dotted.key>: <reason>`.
Pure: pydantic and tomllib only, no environment or clock.
"""

import copy
import tomllib
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import ErrorDetails

from radar_health.domain.alert_rules.settings import AlertRules
from radar_health.domain.scorecard import Scorecard
from radar_schemas.common import Segment

DEFAULTS_RESOURCE = "defaults.toml"
DEFAULTS_SOURCE = f"radar_health/{DEFAULTS_RESOURCE}"
DEFAULT_SCORECARD_NAME = "default"


class ConfigIssue(NamedTuple):
    key: str  # dotted path in the file, e.g. scorecard.enterprise.weights.usage_trend
    reason: str

    def __str__(self) -> str:
        return f"{self.key}: {self.reason}" if self.key else self.reason


class ConfigError(ValueError):
    def __init__(self, source: str, issues: Sequence[ConfigIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        super().__init__("\n".join(f"{source}: {issue}" for issue in self.issues))


class HealthConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    active_usage_metrics: tuple[str, ...]
    scorecard: Scorecard  # for accounts without a (configured) segment
    segment_scorecards: dict[Segment, Scorecard]
    rules: AlertRules

    def scorecard_for(self, segment: str | None) -> Scorecard:
        for known, card in self.segment_scorecards.items():
            if known == segment:
                return card
        return self.scorecard  # no segment, or one without its own section

    @property
    def usage_history_days(self) -> int:
        """How many whole days of daily active usage the scorecards and rules look at."""
        cards = (self.scorecard, *self.segment_scorecards.values())
        drop = self.rules.usage_sharp_drop
        return max(
            drop.recent_days + drop.baseline_days,
            *(2 * card.usage_trend.window_days for card in cards),
        )

    @property
    def trend_lookback_days(self) -> tuple[int, ...]:
        """Lookbacks to pass to `score_trend`: 7 and 30 days plus the sharp-decline window."""
        return self.rules.trend_lookback_days


def load_config(path: Path | None = None) -> HealthConfig:
    """The shipped defaults, or the file at `path` laid over them."""
    if path is None:
        return config_from_mapping({}, DEFAULTS_SOURCE)
    try:
        text = path.read_text("utf-8")
    except OSError as error:
        raise ConfigError(str(path), [ConfigIssue("", f"cannot read: {error.strerror}")]) from error
    return config_from_mapping(_parse_toml(text, str(path)), str(path))


def config_from_mapping(overrides: Mapping[str, Any], source: str = "<memory>") -> HealthConfig:
    """Settings already parsed (e.g. from TOML), laid over the defaults; `source` names them."""
    return _build(_deep_merge(_shipped_defaults(), overrides), source)


@cache
def _shipped_defaults_cached() -> dict[str, Any]:
    text = resources.files("radar_health").joinpath(DEFAULTS_RESOURCE).read_text("utf-8")
    return _parse_toml(text, DEFAULTS_SOURCE)


def _shipped_defaults() -> dict[str, Any]:
    return copy.deepcopy(_shipped_defaults_cached())  # callers may not share nested tables


class _FileLayout(BaseModel):
    """The top level of the file; scorecards and rules are validated separately."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1]
    active_usage_metrics: tuple[str, ...]
    scorecard: dict[str, Any]
    rules: dict[str, Any]

    @field_validator("active_usage_metrics")
    @classmethod
    def _some_metric(cls, metrics: tuple[str, ...]) -> tuple[str, ...]:
        if not metrics:
            raise ValueError("name at least one metric")
        if any(not metric.strip() for metric in metrics):
            raise ValueError("metric names must not be blank")
        return metrics


def _build(raw: dict[str, Any], source: str) -> HealthConfig:
    issues: list[ConfigIssue] = []
    layout = _validate(_FileLayout, raw, "", issues)
    if layout is None:
        raise ConfigError(source, issues)

    card_raw = dict(layout.scorecard)
    segment_raw = {segment: card_raw.pop(segment) for segment in Segment if segment in card_raw}
    default_raw = {**card_raw, "name": DEFAULT_SCORECARD_NAME}
    default = _validate(Scorecard, default_raw, "scorecard", issues)
    segments: dict[Segment, Scorecard] = {}
    # A broken default would be reported again under every segment: check segments after.
    if default is not None:
        for segment, overrides in segment_raw.items():
            key = f"scorecard.{segment}"
            if not isinstance(overrides, dict):
                issues.append(ConfigIssue(key, "must be a table"))
                continue
            merged = {**_deep_merge(card_raw, overrides), "name": segment}
            card = _validate(Scorecard, merged, key, issues)
            if card is not None:
                segments[segment] = card
    rules = _validate(AlertRules, layout.rules, "rules", issues)

    if issues or default is None or rules is None:
        raise ConfigError(source, issues)
    return HealthConfig(
        active_usage_metrics=layout.active_usage_metrics,
        scorecard=default,
        segment_scorecards=segments,
        rules=rules,
    )


Model = TypeVar("Model", bound=BaseModel)


def _validate(
    model: type[Model], data: Any, prefix: str, issues: list[ConfigIssue]
) -> Model | None:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        issues.extend(_issue(detail, prefix) for detail in error.errors())
        return None


def _issue(detail: ErrorDetails, prefix: str) -> ConfigIssue:
    key = prefix
    for part in detail["loc"]:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key = f"{key}.{part}" if key else str(part)
    return ConfigIssue(key, _reason(detail))


_REASONS = {
    "missing": "required",
    "extra_forbidden": "unknown setting",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
}

_BOUNDS = {
    "greater_than_equal": ("ge", "≥"),
    "greater_than": ("gt", ">"),
    "less_than_equal": ("le", "≤"),
    "less_than": ("lt", "<"),
}


def _reason(detail: ErrorDetails) -> str:
    kind, ctx = detail["type"], detail.get("ctx", {})
    if kind in _BOUNDS:
        name, symbol = _BOUNDS[kind]
        limit = ctx[name]
        shown = f"{limit:g}" if isinstance(limit, int | float) else str(limit)
        return f"must be {symbol} {shown}"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    if kind in ("literal_error", "enum"):
        return f"must be {ctx.get('expected')}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    return _REASONS.get(kind, detail["msg"])


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, [ConfigIssue("", f"invalid TOML: {error}")]) from error


def _deep_merge(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Tables merge key by key; any other value (lists included) replaces the base value."""
    merged = dict(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged
