"""Calendar months and quarters that renewals are bucketed into, by term end date."""

from datetime import date
from typing import Literal

Period = Literal["month", "quarter"]


def period_start(day: date, period: Period) -> date:
    if period == "month":
        return day.replace(day=1)
    first_month = (day.month - 1) // 3 * 3 + 1
    return date(day.year, first_month, 1)


def next_period_start(start: date, period: Period) -> date:
    months = 1 if period == "month" else 3
    index = start.year * 12 + start.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def periods_between(first: date, last: date, period: Period) -> list[date]:
    """Start dates of every period touching [first, last], in order."""
    starts: list[date] = []
    current = period_start(first, period)
    while current <= last:
        starts.append(current)
        current = next_period_start(current, period)
    return starts


def period_label(start: date, period: Period) -> str:
    """'2025-03' for a month, '2025-Q1' for a quarter."""
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
