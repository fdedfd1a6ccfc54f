"""Builders for renewal unit tests (a unique module name: test dirs are not packages)."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from radar_renewals.domain.terms import Booking, Term
from radar_renewals.rules import PACKAGE, RenewalsRules, read_rules
from radar_runtime.rules import rules_from_mapping

END = date(2025, 6, 30)
RULES = read_rules()


def make_term(end: date = END, **overrides: Any) -> Term:
    term = Term(
        subscription_id=overrides.pop("subscription_id", "sub-1"),
        account_id=overrides.pop("account_id", "acct-1"),
        start_date=end - timedelta(days=365),
        end_date=end,
        arr=Decimal("100000"),
        seats=100,
        plan="pro",
    )
    return replace(term, **overrides)


def booked(term: Term, booked_at: date, new_arr: str | None = None) -> Term:
    arr = Decimal(new_arr) if new_arr is not None else term.arr
    booking = Booking(booked_at, arr, term.end_date + timedelta(days=365))
    return replace(term, booking=booking)


def rules_with(overrides: dict[str, Any]) -> RenewalsRules:
    """The shipped defaults with `overrides` laid over them, as a user file would be."""
    return rules_from_mapping(RenewalsRules, PACKAGE, overrides, "test.toml")


def days(n: int) -> timedelta:
    return timedelta(days=n)
