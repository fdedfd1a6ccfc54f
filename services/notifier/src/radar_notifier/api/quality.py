"""How good each rule is, for whoever tunes the rule file: what became of its alerts
and, for the rules meant to warn of churn, of the accounts it fired on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from radar_notifier.api.deps import Notifier
from radar_notifier.api.models import NotUseful, OutcomesOut, QualityReport, RuleQuality
from radar_notifier.domain.actions import Reason
from radar_notifier.domain.quality import Outcomes, outcomes_by_rule
from radar_notifier.store import quality, renewals
from radar_runtime import SessionDep
from radar_runtime.errors import ApiError
from radar_schemas.common import AlertRule

router = APIRouter()

DEFAULT_DAYS = 30


@router.get("/rules/quality", response_model=QualityReport)
async def rule_quality(
    notifier: Notifier,
    session: SessionDep,
    start: Annotated[
        date | None, Query(alias="from", description="First day (UTC) alerts were raised on.")
    ] = None,
    end: Annotated[
        date | None, Query(alias="to", description="Last day, inclusive (default: today).")
    ] = None,
) -> QualityReport:
    """Per rule, over the alerts raised (by event time) in the period: raised, told,
    acknowledged, snoozed, marked not useful (by reason), the median time from the
    first message to the acknowledgement, and for the rules meant to warn of churn
    what became of the accounts it fired on at their next renewal."""
    last = end or notifier.runtime.clock.now().date()
    # The default period ends on `to`; for a `to` in year 1, it starts with the calendar.
    first = start or date.fromordinal(max(1, last.toordinal() - (DEFAULT_DAYS - 1)))
    if first > last:
        raise ApiError(
            422, "bad_period", "from is after to", details=[{"field": "from", "reason": "after to"}]
        )
    if last >= date.max:
        raise ApiError(
            422, "bad_period", "to is too late", details=[{"field": "to", "reason": "too late"}]
        )
    since = datetime.combine(first, time(0), tzinfo=UTC)
    until = datetime.combine(last + timedelta(days=1), time(0), tzinfo=UTC)
    counts = {row.rule: row for row in await quality.episode_counts(session, since, until)}
    verdicts: dict[str, dict[Reason, int]] = defaultdict(dict)
    for row in await quality.verdict_counts(session, since, until):
        verdicts[row.rule][Reason(row.reason)] = row.verdicts
    followed = [rule for rule in AlertRule if notifier.rules.quality.follows_outcomes(rule)]
    fired = await quality.fired_on(session, followed, since, until)
    terms = await renewals.of_accounts(session, {f.account_id for f in fired})
    outcomes = outcomes_by_rule(fired, terms)
    rules = []
    for rule in AlertRule:
        counted = counts.get(rule.value)
        by_reason = {reason: verdicts[rule].get(reason, 0) for reason in Reason}
        rules.append(
            RuleQuality(
                rule=rule,
                raised=counted.raised if counted else 0,
                notified=counted.notified if counted else 0,
                acked=counted.acked if counted else 0,
                snoozed=counted.snoozed if counted else 0,
                not_useful=NotUseful(total=sum(by_reason.values()), by_reason=by_reason),
                median_seconds_to_ack=counted.median_seconds_to_ack if counted else None,
                outcomes=_outcomes(outcomes.get(rule.value)) if rule in followed else None,
            )
        )
    return QualityReport(start=first, end=last, rules=rules)


def _outcomes(seen: Outcomes | None) -> OutcomesOut:
    if seen is None:
        return OutcomesOut(
            accounts=0, churned=0, contracted=0, renewed=0, pending=0, precision=None
        )
    return OutcomesOut(**asdict(seen), precision=seen.precision)
