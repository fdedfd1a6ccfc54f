"""Acknowledged alerts that get worse: told once more, saying what got worse.

An acknowledgement silences an alert until it resolves, but a condition can worsen a
lot while it stays raised. The rule file's `[[renotify]]` entries name a measure of
the alerts they match (`risk_score`, `health_score` or a driver's name), which way is
worse and by how much: when a raise arrives for an acknowledged alert and a measure is
worse than when it was acknowledged (or last re-notified) by at least `step`, its
recipients are told once more, and the new value becomes the one to beat.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.matching import AlertMatcher, alert_matches


class Renotify(BaseModel):
    """One `[[renotify]]` entry."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    match: AlertMatcher = AlertMatcher()
    measure: Annotated[str, Field(min_length=1)]
    worse: Literal["up", "down"]
    step: Annotated[float, Field(gt=0)]


@dataclass(frozen=True)
class Worsening:
    measure: str
    before: float
    after: float

    def describe(self) -> str:
        name = self.measure.replace("_", " ")
        change = self.after - self.before
        return f"{name} {_number(self.before)} → {_number(self.after)} ({change:+g})"


def measure(view: AlertView, name: str) -> float | None:
    """A measure of an alert: one of its scores, or a driver's numeric value."""
    if name == "risk_score" and view.risk_score is not None:
        return view.risk_score
    if name == "health_score" and view.health_score is not None:
        return view.health_score
    for driver in view.drivers:
        if driver.name == name and isinstance(driver.value, int | float):
            return float(driver.value)
    return None


def baseline(view: AlertView, rules: Sequence[Renotify]) -> dict[str, float]:
    """The measures the rules watch on this alert, as they stand."""
    values = {}
    for rule in rules:
        value = measure(view, rule.measure) if alert_matches(rule.match, view) else None
        if value is not None:
            values[rule.measure] = value
    return values


def got_worse(
    view: AlertView, since: Mapping[str, float], rules: Sequence[Renotify]
) -> list[Worsening]:
    """The measures worse than `since` by at least their step."""
    changes = []
    for rule in rules:
        before = since.get(rule.measure)
        after = measure(view, rule.measure) if alert_matches(rule.match, view) else None
        if before is None or after is None:
            continue
        change = after - before if rule.worse == "up" else before - after
        if change >= rule.step:
            changes.append(Worsening(rule.measure, before, after))
    return changes


def _number(value: float) -> str:
    return f"{value:g}"
