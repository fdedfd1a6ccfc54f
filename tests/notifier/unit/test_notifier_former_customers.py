"""A former customer (every subscription's newest term churned) pages nobody but the
churn itself; a win-back makes it a customer again."""

from __future__ import annotations

from datetime import date, timedelta

from notifier_factories import T0, config, make_alert

from radar_notifier.domain.alerts import AlertView, NoticeKind
from radar_notifier.domain.fatigue import apply_alert
from radar_notifier.domain.former_customers import former_customers
from radar_notifier.domain.notices import (
    ActiveAlerts,
    AlertRecord,
    Evaluation,
    QueuedNotice,
    evaluate_all,
    recheck_reason,
)
from radar_notifier.domain.quality import Term
from radar_schemas.common import AlertRule, Severity

CHAMPION_LEFT = make_alert(
    alert_id="cl-1",
    rule=AlertRule.CHAMPION_LEFT,
    dedup_key="champion.left:acct-1:c-1",
    severity=Severity.CRITICAL,
)
CHURN = make_alert(
    alert_id="ch-1",
    rule=AlertRule.RENEWAL_CHURNED,
    dedup_key="renewal.churned:sub-1:2026-05-15",
    severity=Severity.INFO,
)


def term(subscription: str, renewal: date, state: str, account: str = "acct-1") -> Term:
    return Term(subscription, renewal, account, state, 10_000.0, T0, None)


def test_an_account_is_former_once_every_subscriptions_newest_term_churned() -> None:
    lost = term("sub-1", date(2026, 5, 15), "churned")
    assert former_customers([lost]) == {"acct-1"}
    # Won back: the subscription's newer term is open.
    assert former_customers([lost, term("sub-1", date(2027, 5, 15), "upcoming")]) == set()
    # Another subscription of the account is still running.
    assert former_customers([lost, term("sub-2", date(2026, 9, 1), "in_window")]) == set()
    # An older churned term under a renewed newer one says nothing.
    renewed = term("sub-3", date(2026, 1, 1), "renewed_on_time", account="acct-3")
    older = term("sub-3", date(2025, 1, 1), "churned", account="acct-3")
    assert former_customers([older, renewed]) == set()
    assert former_customers([]) == set()


def evaluated(alert: AlertView, former: set[str]) -> Evaluation:
    record = AlertRecord(state=apply_alert(None, alert), view=alert)
    records = {alert.dedup_key: record}
    return evaluate_all(
        records, {alert.dedup_key: alert.occurred_at}, (), [alert], T0, config(), former
    )


def test_a_former_customers_alerts_page_nobody_but_the_churn_itself() -> None:
    muted = evaluated(CHAMPION_LEFT, {"acct-1"})
    assert muted.notices == []
    assert muted.suppressed["former_customer"] == len(muted.records[0].routing.recipients) > 0
    assert [n.notice for n in evaluated(CHURN, {"acct-1"}).notices]
    # Another account's churn changes nothing for this one.
    assert evaluated(CHAMPION_LEFT, {"acct-2"}).notices


def test_a_notice_queued_before_the_churn_was_known_is_dropped_at_flush() -> None:
    record = AlertRecord(state=apply_alert(None, CHAMPION_LEFT), view=CHAMPION_LEFT)
    queued = QueuedNotice("email:jane@example.com", NoticeKind.RAISED, T0, None)
    later = T0 + timedelta(minutes=1)
    churned = ActiveAlerts([CHAMPION_LEFT], (), former_customers={"acct-1"})
    assert recheck_reason(queued, record, churned, later, config()) == "former_customer"
    still = ActiveAlerts([CHAMPION_LEFT], ())
    assert recheck_reason(queued, record, still, later, config()) is None


def test_notify_rules_star_tells_everything_again() -> None:
    rules = config('[former_customers]\nnotify_rules = ["*"]')
    assert not rules.former_customers.mutes(CHAMPION_LEFT, {"acct-1"})
    assert config().former_customers.mutes(CHAMPION_LEFT, {"acct-1"})
