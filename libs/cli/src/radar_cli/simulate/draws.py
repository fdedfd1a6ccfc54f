"""Small random draws the standard library lacks, and times of day by region. Pure."""

from __future__ import annotations

import functools
import math
import random
from datetime import date, timedelta

# Working hours in UTC per region, so an account's activity clusters when its people work.
# APAC stops before midnight UTC wraps, keeping each event on the day it was drawn for.
WORK_HOURS_UTC = {"amer": (13.0, 23.0), "emea": (7.0, 17.0), "apac": (0.0, 9.5)}


def clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method for small means, a rounded normal for large ones (counts only)."""
    if mean <= 0:
        return 0
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def binomial(rng: random.Random, n: int, p: float) -> int:
    if n <= 0 or p <= 0:
        return 0
    if n > 40:  # normal approximation: exact enough for head counts, and O(1)
        sd = math.sqrt(n * p * (1 - p))
        return int(clamp(round(rng.gauss(n * p, sd)), 0, n))
    return sum(rng.random() < p for _ in range(n))


def lognormal(rng: random.Random, median: float, sigma: float, low: float, high: float) -> float:
    return clamp(rng.lognormvariate(math.log(median), sigma), low, high)


def days_between(rng: random.Random, first: date, last: date) -> date:
    """A day from `first` to `last`, both included."""
    span = max((last - first).days, 0)
    return first + timedelta(days=rng.randint(0, span))


# Instants are whole seconds since 1970-01-01 UTC: ints sort, add and format far faster
# than datetimes, and the simulation makes hundreds of thousands of them.
_EPOCH = date(1970, 1, 1).toordinal()
HOUR = 3600
DAY = 86400


def day_start(day: date) -> int:
    return (day.toordinal() - _EPOCH) * DAY


def at_work(rng: random.Random, day: date, region: str) -> int:
    """A moment in the region's working hours on `day`."""
    start, end = WORK_HOURS_UTC[region]
    return day_start(day) + int(rng.uniform(start, end) * HOUR)


def timestamp(instant: int) -> str:
    """RFC 3339 in UTC, one fixed format, so the strings also sort in time order."""
    day, second = divmod(instant, DAY)
    return f"{_iso_day(day)}T{second // HOUR:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"


@functools.lru_cache(maxsize=4096)
def _iso_day(day: int) -> str:
    return date.fromordinal(_EPOCH + day).isoformat()


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
