"""An evaluated term as a `terms` row, with the columns the forecast aggregates and a
hash that tells whether anything changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from radar_renewals.domain.evaluation import Evaluation
from radar_renewals.domain.periods import period_start
from radar_renewals.domain.terms import RENEWED_STATES, State


@dataclass(frozen=True, slots=True)
class TermRows:
    row: dict[str, Any]

    @property
    def key(self) -> tuple[str, Any]:
        return self.row["subscription_id"], self.row["start_date"]

    @property
    def content_hash(self) -> str:
        return str(self.row["content_hash"])


def term_rows(
    evaluation: Evaluation, *, is_current: bool, at_risk: bool, model_category: str | None
) -> TermRows:
    term, risk = evaluation.term, evaluation.risk
    booking, cancellation, opportunity = term.booking, term.cancellation, term.opportunity
    # A closed term shows its outcome, not the account's health since: its row then stays
    # still when health moves (health is the most frequent signal there is).
    health = term.health if evaluation.is_open else None
    category_arr = term.arr
    if opportunity is not None and opportunity.amount is not None:
        category_arr = opportunity.amount
    state = evaluation.state
    row: dict[str, Any] = {
        "subscription_id": term.subscription_id,
        "start_date": term.start_date,
        "account_id": term.account_id,
        "end_date": term.end_date,
        "renewal_month": period_start(term.end_date, "month"),
        "renewal_quarter": period_start(term.end_date, "quarter"),
        "is_open": evaluation.is_open,
        "is_renewed": state in RENEWED_STATES,
        "is_churned": state is State.CHURNED,
        "is_current": is_current,
        "arr": term.arr,
        "seats": term.seats,
        "plan": term.plan,
        "currency": term.currency,
        "auto_renew": term.auto_renew,
        "booked_at": booking.booked_at if booking else None,
        "new_arr": booking.new_arr if booking else None,
        "new_end_date": booking.new_end_date if booking else None,
        "cancelled_effective": cancellation.effective_date if cancellation else None,
        "cancel_reason": cancellation.reason if cancellation else None,
        "opportunity_stage": opportunity.stage if opportunity else None,
        "forecast_category": opportunity.forecast_category if opportunity else None,
        "opportunity_amount": opportunity.amount if opportunity else None,
        "opportunity_close_date": opportunity.close_date if opportunity else None,
        "account_name": term.account_name,
        "segment": term.segment,
        "region": term.region,
        "owner": term.owner,
        "health_score": health.score if health else None,
        "health_band": health.band if health else None,
        "state": state.value,
        "timing": evaluation.timing.value if evaluation.timing else None,
        "risk_score": risk.score,
        "risk_band": risk.band.value,
        "p_renew": evaluation.p_renew,
        "expected_arr": evaluation.expected_arr,
        "category_arr": category_arr,
        "at_risk": at_risk,
        "model_category": model_category,
    }
    # The values in the dict's (fixed) insertion order: cheaper than sorting the items.
    digest = hashlib.blake2b(repr(tuple(row.values())).encode(), digest_size=16)
    row["content_hash"] = digest.hexdigest()
    row["evaluated_on"] = evaluation.today
    return TermRows(row)
