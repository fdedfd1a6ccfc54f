"""The consumer side: which events the health service applies, with what, in which order.

Projectors write facts through `store/`; any order and any duplication of an account's
events gives the same state. Before them, every account a CRM or support event names
exists; after them, those accounts are recomputed in the batch's own transaction, so
their health.scored and alerts leave with the batch. Usage arrives at tens of thousands
of events a second and recomputing per batch could not keep up: accounts with only
usage in a batch are queued, and the usage worker (`work/`) recomputes them within
`usage_recompute_seconds`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from radar_runtime import Routes
from radar_runtime import routes as declare

from . import activity, crm, support, usage

if TYPE_CHECKING:
    from ..parts import HealthParts


def routes(parts: HealthParts) -> Routes:
    return declare(
        ("usage.recorded", usage.apply_usage),
        ("account.upserted", crm.apply_profiles),
        (
            ("subscription.upserted", "renewal.booked", "subscription.cancelled"),
            crm.apply_subscriptions,
        ),
        ("contact.changed", crm.apply_contacts),
        ("contact.identified", crm.apply_identities),
        ("engagement.logged", crm.apply_engagements),
        (("ticket.opened", "ticket.updated", "ticket.closed"), support.apply_tickets),
        ("nps.submitted", support.apply_nps),
        ("csat.submitted", support.apply_csat),
        before=activity.touch_accounts,
        after=parts.recomputer.recompute_touched,
    )
