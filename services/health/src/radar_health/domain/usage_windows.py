"""Loading active usage compactly: per-window totals instead of one row per day.

The scorecard and rules only ever sum whole-day windows that end yesterday (usage trend:
last N days vs the N before; sharp drop: last 7 vs the 28 before). Cutting the days
back at every window edge gives segments each window is a union of; one total per
segment, placed on the segment's latest day, gives every window its exact sum. An
account then costs ~4 rows instead of ~60, which keeps a 100,000-account recompute fast.

Which metrics count as active usage is configured as shell-style patterns; they are
matched in the database as anchored regular expressions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from radar_health.domain.alert_rules.settings import UsageSharpDropSettings
from radar_health.domain.scorecard import Scorecard

_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")
GLOB_CHARACTERS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class UsageSegments:
    """Segment starts in days back from today (ascending, first 1) and the exclusive end."""

    starts: tuple[int, ...]
    end: int

    @classmethod
    def for_windows(cls, windows: Iterable[tuple[int, int]]) -> UsageSegments:
        """`windows`: (first, last) days back of every window, 1 = yesterday."""
        edges = {1}
        for first, last in windows:
            edges.update((first, last + 1))
        ordered = sorted(edges)
        return cls(starts=tuple(ordered[:-1]), end=ordered[-1])

    @classmethod
    def for_rules(cls, cards: Iterable[Scorecard], drop: UsageSharpDropSettings) -> UsageSegments:
        """The segments of every usage window the scorecards and usage.sharp_drop read."""
        windows: list[tuple[int, int]] = []
        for card in cards:
            days = card.usage_trend.window_days
            windows += [(1, days), (days + 1, 2 * days)]
        windows += [
            (1, drop.recent_days),
            (drop.recent_days + 1, drop.recent_days + drop.baseline_days),
        ]
        return cls.for_windows(windows)

    @property
    def thresholds(self) -> list[int]:
        """For SQL `width_bucket(days_back, thresholds)`: bucket i covers starts[i-1]."""
        return [*self.starts, self.end]

    def first_day(self, today: date) -> date:
        return today - timedelta(days=self.end - 1)

    def day_of_bucket(self, bucket: int, today: date) -> date:
        return today - timedelta(days=self.starts[bucket - 1])


def glob_to_regex(pattern: str) -> str:
    """An anchored regular expression matching what `fnmatch.fnmatchcase(name, pattern)` does."""
    out, i = ["^"], 0
    while i < len(pattern):
        char = pattern[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = _class_end(pattern, i)
            if end < 0:
                out.append("\\[")
                continue
            out.append(_class_regex(pattern[i:end]))
            i = end + 1
        else:
            out.append("\\" + char if char in _REGEX_SPECIAL else char)
    out.append("$")
    return "".join(out)


def _class_regex(body: str) -> str:
    """A `[...]` class as fnmatch reads it: `!` negates, `a-z` is a range (an empty range
    such as `z-a` matches nothing), every other character is itself."""
    negated = body.startswith("!")
    if negated:
        body = body[1:]
    parts, i = [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            low, high = body[i], body[i + 2]
            if low <= high:
                parts.append(f"{_in_class(low)}-{_in_class(high)}")
            i += 3
        else:
            parts.append(_in_class(body[i]))
            i += 1
    if not parts:
        return "." if negated else "(?!.)."  # nothing can follow and be matched
    return f"[{'^' if negated else ''}{''.join(parts)}]"


def _in_class(char: str) -> str:
    return "\\" + char if char in "\\]^-[" else char


def _class_end(pattern: str, start: int) -> int:
    """Index of the `]` closing a class opened before `start`, or -1 (then `[` is literal)."""
    j = start
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1  # a leading ] is part of the class
    return pattern.find("]", j)
