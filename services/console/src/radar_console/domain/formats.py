"""How figures read on a page: money with its currency, scores, percentages, times."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}


def money(amount: Any, currency: str | None) -> str:
    """ "$12,500" or "CHF 12,500"; "—" when there is no amount."""
    if amount is None or amount == "":
        return "—"
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return "—"
    code = (currency or "").upper()
    shown = f"{value:,.0f}"
    symbol = SYMBOLS.get(code)
    if symbol:
        return f"-{symbol}{shown[1:]}" if shown.startswith("-") else f"{symbol}{shown}"
    return f"{code} {shown}".strip()


def score(value: Any) -> str:
    return "—" if value is None else f"{float(value):.0f}"


def percent(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.0f}%"


def when(value: Any) -> str:
    """An ISO instant as "2026-12-05 03:10 UTC"; dates pass through."""
    if not value:
        return "—"
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if at.tzinfo is None:
        return at.date().isoformat() if len(str(value)) <= 10 else at.isoformat(" ", "minutes")
    return at.strftime("%Y-%m-%d %H:%M UTC")
