"""Terms evaluated on demand, for the few the API shows with their risk drivers.

Drivers are not stored (see `tables.terms`): they are re-derived from the same facts
and rules the projection uses, as of today.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.chain import derive_terms
from radar_renewals.domain.evaluation import Evaluation, Evaluator
from radar_renewals.domain.outgoing import driver_json
from radar_renewals.store.facts import load_facts


async def evaluate_now(
    session: AsyncSession, evaluator: Evaluator, subscription_ids: Collection[str], today: date
) -> dict[tuple[str, date], Evaluation]:
    """Every term of these subscriptions, keyed by (subscription_id, term start)."""
    facts = await load_facts(session, subscription_ids)
    found = {}
    for subscription in facts.subscriptions.values():
        for term in derive_terms(subscription, facts.account_of(subscription)):
            found[(term.subscription_id, term.start_date)] = evaluator.evaluate(term, today)
    return found


def drivers_of(evaluation: Evaluation | None) -> list[dict[str, Any]]:
    return [] if evaluation is None else [driver_json(d) for d in evaluation.risk.drivers]
