"""Human durations for configuration files: `30s`, `5m`, `24h`, `1h30m`, `7d`."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """Accept a timedelta, a number of seconds, or a string like `1h30m`."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):  # bool is an int; `true` is never a duration
        raise ValueError("expected a duration like '30s', '5m' or '24h'")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if not isinstance(value, str):
        raise ValueError("expected a duration like '30s', '5m' or '24h'")
    text = value.strip().replace(" ", "")
    if not text or _PART.sub("", text):
        raise ValueError(f"{value!r} is not a duration; use e.g. '30s', '5m', '24h', '1h30m'")
    seconds = sum(float(n) * _UNIT_SECONDS[unit] for n, unit in _PART.findall(text))
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest `parse_duration` spelling of a whole number of seconds."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def _not_negative(delta: timedelta) -> timedelta:
    if delta < timedelta(0):
        raise ValueError("must not be negative")
    return delta


def _positive(delta: timedelta) -> timedelta:
    if delta <= timedelta(0):
        raise ValueError("must be longer than 0s")
    return delta


# A duration field of the rule file: written as above, shown in its shortest spelling.
Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    AfterValidator(_not_negative),
    PlainSerializer(format_duration),
]
PositiveDuration = Annotated[Duration, AfterValidator(_positive)]
