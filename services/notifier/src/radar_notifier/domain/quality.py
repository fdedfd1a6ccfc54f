"""How good each rule is: what became of its alerts, and, for the rules meant to warn
of churn, what became of the accounts it fired on (its precision as an early warning).

An account's outcome after an alert is its first renewal decided after the alert was
raised: churned, contracted (renewed, but the next term's ARR is lower), or renewed;
pending while none was decided yet. Precision is the share of decided accounts that
churned or contracted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

RENEWED_STATES = frozenset({"renewed_early", "renewed_on_time", "renewed_late"})
CHURNED = "churned"


class Outcome(StrEnum):
    CHURNED = "churned"
    CONTRACTED = "contracted"
    RENEWED = "renewed"
    PENDING = "pending"


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


class QualityRules(BaseModel):
    """The rule file's `[quality]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The rules meant to warn of churn (names or globs): their report follows the
    # accounts they fired on to their next renewal.
    outcome_rules: Annotated[
        tuple[Annotated[str, Field(min_length=1)], ...], BeforeValidator(_one_or_many)
    ]

    def follows_outcomes(self, rule: str) -> bool:
        return any(fnmatchcase(rule, glob) for glob in self.outcome_rules)


@dataclass(frozen=True)
class Term:
    """One renewal term as `renewal.state_changed` tells it."""

    subscription_id: str
    renewal_date: date
    account_id: str
    state: str
    arr: float
    # The occurred_at of the event that told it (the newest wins).
    state_at: datetime
    # When its outcome (renewed or churned) was decided; None while open.
    decided_at: datetime | None
    # When renewals reached this verdict; None from producers that predate it.
    evaluated_at: datetime | None = None

    @property
    def verdict_order(self) -> datetime:
        """What orders a term's verdicts: the newest evaluated wins. (While a history
        loads, a fact from long ago can arrive after a verdict stamped today.)"""
        return self.evaluated_at or self.state_at


def term_from(
    subscription_id: str,
    renewal_date: date,
    account_id: str,
    state: str,
    arr: float,
    at: datetime,
    evaluated_at: datetime | None = None,
) -> Term:
    """A term as an event at `at` tells it: decided then when it renewed or churned."""
    decided = at if state in RENEWED_STATES or state == CHURNED else None
    return Term(subscription_id, renewal_date, account_id, state, arr, at, decided, evaluated_at)


def newest_terms(terms: Iterable[Term]) -> list[Term]:
    """One per term: renewals' newest verdict."""
    newest: dict[tuple[str, date], Term] = {}
    for term in terms:
        key = (term.subscription_id, term.renewal_date)
        if key not in newest or newest[key].verdict_order <= term.verdict_order:
            newest[key] = term
    return list(newest.values())


@dataclass(frozen=True)
class FiredOn:
    """An account a rule fired on, and when it first did in the period."""

    rule: str
    account_id: str
    raised_at: datetime


@dataclass(frozen=True)
class Outcomes:
    accounts: int
    churned: int
    contracted: int
    renewed: int
    pending: int

    @property
    def precision(self) -> float | None:
        """Churned or contracted among the accounts whose renewal was decided."""
        warned = self.churned + self.contracted
        decided = warned + self.renewed
        return round(warned / decided, 4) if decided else None


def outcomes_by_rule(fired: Iterable[FiredOn], terms: Sequence[Term]) -> dict[str, Outcomes]:
    by_account: dict[str, list[Term]] = defaultdict(list)
    by_subscription: dict[str, list[Term]] = defaultdict(list)
    for term in terms:
        by_account[term.account_id].append(term)
        by_subscription[term.subscription_id].append(term)
    counts: dict[str, Counter[Outcome]] = defaultdict(Counter)
    for item in fired:
        counts[item.rule][_outcome(item, by_account[item.account_id], by_subscription)] += 1
    return {
        rule: Outcomes(
            accounts=sum(count.values()),
            churned=count[Outcome.CHURNED],
            contracted=count[Outcome.CONTRACTED],
            renewed=count[Outcome.RENEWED],
            pending=count[Outcome.PENDING],
        )
        for rule, count in counts.items()
    }


def _outcome(
    item: FiredOn, terms: Sequence[Term], by_subscription: dict[str, list[Term]]
) -> Outcome:
    decided = [t for t in terms if t.decided_at is not None and t.decided_at >= item.raised_at]
    if not decided:
        return Outcome.PENDING
    first = min(decided, key=lambda t: (t.decided_at, t.renewal_date))
    if first.state == CHURNED:
        return Outcome.CHURNED
    later = [
        t for t in by_subscription[first.subscription_id] if t.renewal_date > first.renewal_date
    ]
    if later and min(later, key=lambda t: t.renewal_date).arr < first.arr:
        return Outcome.CONTRACTED
    return Outcome.RENEWED
