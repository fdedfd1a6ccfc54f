"""The health rule file: scorecards (the default and one per segment) and alert rules.

Loaded by the runtime's one rule-file loader: `load_rules(HealthRules, "radar_health",
path)` lays the file at `path` over `defaults.toml` beside this module, so a file only
names what it changes, and reports every problem as `<file>: <dotted.key>: <reason>`.
"""

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from radar_health.domain.alert_rules.settings import AlertRules
from radar_health.domain.scorecard import Scorecard, Settings
from radar_runtime.rules import deep_merge
from radar_schemas.common import Segment

PACKAGE = "radar_health"
DEFAULT_SCORECARD = "default"


class Scorecards(Scorecard):
    """The `[scorecard]` table: the default scorecard (for accounts without a segment of
    their own) and a section per segment that changes only what it names."""

    smb: Scorecard | None = None
    mid_market: Scorecard | None = None
    enterprise: Scorecard | None = None

    @model_validator(mode="before")
    @classmethod
    def _segments_over_the_default(cls, table: Any) -> Any:
        if not isinstance(table, Mapping):
            return table
        default = {k: v for k, v in table.items() if k not in set(Segment)}
        default["name"] = DEFAULT_SCORECARD
        try:
            Scorecard.model_validate(default)
        except ValidationError:
            return default  # its errors, once: not again under every segment
        cards = dict(default)
        for segment in Segment:
            section = table.get(segment)
            if isinstance(section, Mapping):
                cards[segment] = {**deep_merge(default, section), "name": segment.value}
            elif section is not None:
                cards[segment] = section  # not a table: reported as such
        return cards

    def for_segment(self, segment: str | None) -> Scorecard:
        """The segment's scorecard; the default without a segment or a section for it."""
        card: Scorecard | None = getattr(self, segment) if segment in set(Segment) else None
        return card or self

    @property
    def every_card(self) -> tuple[Scorecard, ...]:
        return (self, *(card for card in (self.smb, self.mid_market, self.enterprise) if card))


class HealthRules(Settings):
    version: Literal[1]
    # Usage metrics whose daily totals make up active usage: names or patterns (`feature.*`).
    active_usage_metrics: tuple[str, ...]
    scorecard: Scorecards
    alerts: AlertRules = Field(alias="rules")

    @field_validator("active_usage_metrics")
    @classmethod
    def _some_metric(cls, metrics: tuple[str, ...]) -> tuple[str, ...]:
        if not metrics:
            raise ValueError("name at least one metric")
        if any(not metric.strip() for metric in metrics):
            raise ValueError("metric names must not be blank")
        return metrics
