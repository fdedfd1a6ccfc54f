"""Does an alert satisfy a matcher from the rule file? Shared by routing and inhibition."""

from __future__ import annotations

from fnmatch import fnmatchcase

from radar_notifier.config import AlertMatcher, Label
from radar_notifier.domain.alerts import AlertView


def alert_matches(matcher: AlertMatcher, alert: AlertView) -> bool:
    """True when every condition the matcher gives holds; an empty matcher matches all."""
    if matcher.rule and not any(fnmatchcase(alert.rule, glob) for glob in matcher.rule):
        return False
    if matcher.severity and alert.severity not in matcher.severity:
        return False
    if matcher.min_severity is not None and alert.severity.rank < matcher.min_severity.rank:
        return False
    if matcher.segment and alert.segment not in matcher.segment:
        return False
    return not (matcher.region and alert.region not in matcher.region)


def alert_label(alert: AlertView, label: Label) -> str | None:
    """The value of one of the fields inhibition rules compare with `equal`."""
    value: str | None = getattr(alert, label)
    return value
