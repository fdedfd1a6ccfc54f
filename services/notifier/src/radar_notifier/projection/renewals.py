"""`renewal.state_changed` → each renewal term's state, so the rule quality report can
say what became of the accounts an alert fired on, and former customers page nobody.
The notifier only reads cs.renewals.v1; it publishes nothing there."""

from __future__ import annotations

from radar_notifier.domain.quality import newest_terms, term_from
from radar_notifier.store import renewals
from radar_runtime import UnitOfWork
from radar_schemas import derived
from radar_schemas.envelope import Envelope


class RenewalOutcomes:
    async def __call__(self, uow: UnitOfWork, events: list[Envelope]) -> None:
        terms = []
        for event in events:
            assert isinstance(event, derived.RenewalStateChangedEvent)  # routed by type
            change = event.payload
            terms.append(
                term_from(
                    change.subscription_id,
                    change.renewal_date,
                    event.account_id,
                    change.state,
                    change.arr,
                    event.occurred_at,
                    change.evaluated_at,
                )
            )
        await renewals.save(uow.session, newest_terms(terms))
