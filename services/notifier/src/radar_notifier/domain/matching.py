"""Conditions on an alert, as the rule file writes them, and whether an alert meets
them. Shared by routing and inhibition."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from radar_notifier.domain.alerts import AlertView, severity_rank
from radar_schemas.common import Region, Segment, Severity

# Alert fields an inhibition rule may require to be equal on source and target.
Label = Literal["account_id", "subscription_id", "segment", "region", "rule", "severity"]


def _one_or_many(value: object) -> object:
    # `rule = "renewal.*"` reads better than `rule = ["renewal.*"]` for the common case.
    return [value] if isinstance(value, str) else value


Globs = Annotated[tuple[Annotated[str, Field(min_length=1)], ...], BeforeValidator(_one_or_many)]


class AlertMatcher(BaseModel):
    """Conditions on an alert; all given conditions must hold, an empty matcher matches all."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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


def alert_matches(matcher: AlertMatcher, alert: AlertView) -> bool:
    """True when every condition the matcher gives holds; an empty matcher matches all."""
    if matcher.rule and not any(fnmatchcase(alert.rule, glob) for glob in matcher.rule):
        return False
    if matcher.severity and alert.severity not in matcher.severity:
        return False
    minimum = matcher.min_severity
    if minimum is not None and severity_rank(alert.severity) < severity_rank(minimum):
        return False
    if matcher.segment and alert.segment not in matcher.segment:
        return False
    return not (matcher.region and alert.region not in matcher.region)


def alert_label(alert: AlertView, label: Label) -> str | None:
    """The value of one of the fields inhibition rules compare with `equal`."""
    value: str | None = getattr(alert, label)
    return value
