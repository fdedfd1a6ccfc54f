"""Alerts about former customers page nobody.

An account is a former customer once every one of its subscriptions' newest terms
churned (as `renewal.state_changed` tells the notifier). A champion leaving or health
falling after the customer has gone is nobody's task, so such an account's alerts are
kept (the API and the console show them) but not notified, except those of the rules
the rule file's `[former_customers]` still tells (by default the churn itself). A
win-back (a new term) makes the account a customer again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from fnmatch import fnmatchcase

from pydantic import BaseModel, ConfigDict

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.quality import CHURNED, Term


class FormerCustomers(BaseModel):
    """The rule file's `[former_customers]`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # The rules (names or globs) still told about a former customer; ["*"] tells all.
    notify_rules: tuple[str, ...]

    def mutes(self, alert: AlertView, former: Collection[str]) -> bool:
        return alert.account_id in former and not any(
            fnmatchcase(alert.rule, glob) for glob in self.notify_rules
        )


def former_customers(terms: Iterable[Term]) -> set[str]:
    """The accounts whose every subscription's newest term churned."""
    newest: dict[str, Term] = {}
    for term in terms:
        kept = newest.get(term.subscription_id)
        if kept is None or kept.renewal_date < term.renewal_date:
            newest[term.subscription_id] = term
    accounts = {term.account_id for term in newest.values()}
    return accounts - {term.account_id for term in newest.values() if term.state != CHURNED}
