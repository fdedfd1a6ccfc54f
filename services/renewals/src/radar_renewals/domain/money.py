"""Amounts in several currencies: totalled per currency, and converted to the reporting
currency through the rule file's rates when they convert every currency present.

Rows (forecast or KPI) carry their `currency`; nothing here ever adds two currencies
without a rate, so a total never mixes euros and dollars.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol, TypeVar

from radar_renewals.domain.policy import CurrencyPolicy

CENT = Decimal("0.01")


class InCurrency(Protocol):
    @property
    def currency(self) -> str | None: ...


R = TypeVar("R", bound=InCurrency)


def rates_for(policy: CurrencyPolicy, currencies: Iterable[str]) -> dict[str, Decimal] | None:
    """The rate of each currency into the reporting one (1 for itself), or None when the
    rule file has no rate for one of them."""
    rates = {policy.reporting: Decimal(1)}
    for currency in currencies:
        if currency != policy.reporting:
            if currency not in policy.rates:
                return None
            rates[currency] = Decimal(str(policy.rates[currency]))
    return rates


def converted(row: R, rate: Decimal, currency: str) -> R:
    """The row with every Decimal amount times `rate`, to the cent, in `currency`."""
    changes: dict[str, Any] = {"currency": currency}
    for field in fields(row):  # type: ignore[arg-type]
        value = getattr(row, field.name)
        if isinstance(value, Decimal):
            changes[field.name] = (value * rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return replace(row, **changes)  # type: ignore[type-var]


def in_reporting_currency(
    rows: Sequence[R],
    policy: CurrencyPolicy,
    key: Callable[[R], Any],
    combine: Callable[[Sequence[R]], R],
) -> list[R] | None:
    """Rows of every currency converted and combined per `key` (e.g. period and group),
    in first-seen order; None when a currency present has no rate."""
    rates = rates_for(policy, {row.currency for row in rows if row.currency})
    if rates is None:
        return None
    merged: dict[Any, list[R]] = {}
    for row in rows:
        rate = rates[row.currency] if row.currency else Decimal(1)
        merged.setdefault(key(row), []).append(converted(row, rate, policy.reporting))
    return [combine(group) for group in merged.values()]
