"""The manager's forecast call on a renewal, and how the three views of a renewal compare.

A renewal is seen three ways: the CRM's forecast category (what the rep entered), the
model's (its `p_renew` placed in a category by the rule file's thresholds) and the
manager's call. Where they disagree is where leadership should look: two views apart by
two steps or more (commit against at risk) is a disagreement worth showing.
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from radar_renewals.domain.policy import ForecastPolicy


class CallCategory(StrEnum):
    COMMIT = "commit"
    BEST_CASE = "best_case"
    AT_RISK = "at_risk"
    OMITTED = "omitted"


@dataclass(frozen=True, slots=True)
class Call:
    """One call: what the manager expects of the renewal and what happens next."""

    category: CallCategory
    next_step: str
    next_step_date: date
    note: str
    by_subject: str
    by_name: str
    by_email: str | None
    at: datetime


# Two views this many steps apart disagree.
APART = 2
# Likelihood order of every view's categories: a CRM "pipeline" deal is not yet likely.
RANK = {"commit": 0, "closed": 0, "best_case": 1, "pipeline": 2, "at_risk": 2, "omitted": 3}


def model_category(p_renew: float, policy: ForecastPolicy) -> CallCategory:
    """The model's view in the manager's categories."""
    if p_renew >= policy.model_commit_from:
        return CallCategory.COMMIT
    if p_renew >= policy.model_best_case_from:
        return CallCategory.BEST_CASE
    return CallCategory.AT_RISK


def disagree(first: str | None, second: str | None) -> bool:
    """Two views two steps apart or more (commit against at risk or omitted, ...)."""
    if first is None or second is None or first not in RANK or second not in RANK:
        return False
    return abs(RANK[first] - RANK[second]) >= APART
