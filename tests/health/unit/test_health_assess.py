"""One account's recompute decisions: what is emitted, with overrides and their expiry."""

from dataclasses import replace
from datetime import timedelta

import pytest
from health_factories import AS_OF, ago, assess_by_default, health, rules_with, signals

from radar_health.domain.alerts import ActiveAlert
from radar_health.domain.assess import (
    AccountFacts,
    StoredAlert,
    StoredHealth,
    assess,
    override_fingerprint,
    score_moved,
)
from radar_health.domain.overrides import Override
from radar_health.domain.scoring import HealthScore
from radar_health.domain.signals import OpenTicket, nearest_renewal
from radar_schemas.common import AlertRule, Band

ENGAGED_YESTERDAY = AccountFacts(signals(last_engagement_at=ago(1)))  # score 100, green


def run(facts=ENGAGED_YESTERDAY, stored=None, past=(), alerts=None, as_of=AS_OF):
    stored = stored or StoredHealth("acct-1")
    return assess_by_default(facts, stored, past, alerts, as_of)


def emitted(
    score: float, band: Band, fingerprint: str | None = None, escalations: int | None = 0
) -> StoredHealth:
    return StoredHealth(
        "acct-1",
        as_of=ago(1),
        score=score,
        band=band,
        emitted_score=score,
        emitted_band=band,
        emitted_override=fingerprint,
        emitted_escalations=escalations,
    )


def override(**fields) -> Override:
    values = {
        "reason": "exec escalation",
        "author": "dana",
        "expires_at": AS_OF + timedelta(days=5),
    }
    return Override(**{**values, **fields})


def test_first_score_is_emitted_and_small_moves_are_not():
    first = run()
    assert first.computed.score == 100.0 and first.emit_scored
    assert not run(stored=emitted(99.5, Band.GREEN)).emit_scored
    assert run(stored=emitted(99.0, Band.GREEN)).emit_scored


def test_an_unscored_account_is_never_announced():
    result = run(facts=AccountFacts(signals()))
    assert result.computed.score is None and not result.emit_scored


def test_setting_changing_and_expiring_an_override_are_announced_once():
    ov = override(score=30.0)
    stored = replace(emitted(100.0, Band.GREEN), override=ov)
    set_now = run(stored=stored)
    assert set_now.emit_scored and set_now.effective.score == 30.0
    assert set_now.effective.band == Band.RED
    fingerprint = set_now.override_fingerprint
    # The next recompute with the same override announces nothing new.
    unchanged = replace(
        stored, emitted_score=30.0, emitted_band=Band.RED, emitted_override=fingerprint
    )
    assert not run(stored=unchanged).emit_scored
    # A new reason is a new override.
    reworded = replace(unchanged, override=override(score=30.0, reason="renewal call went badly"))
    assert run(stored=reworded).emit_scored
    # Past its expiry the computed score is back, and that is announced.
    expired = run(stored=unchanged, as_of=AS_OF + timedelta(days=6))
    assert expired.emit_scored and expired.effective.score == 100.0
    assert expired.override_fingerprint is None


def with_tickets(*tickets: OpenTicket) -> AccountFacts:
    return AccountFacts(signals(last_engagement_at=ago(1), open_tickets=tickets))


def test_open_escalations_count_the_tickets_support_escalation_is_raised_for():
    escalated = OpenTicket("T-1", "normal", escalated=True)
    urgent = OpenTicket("T-2", "urgent", escalated=False)
    quiet = OpenTicket("T-3", "high", escalated=False)
    result = run(facts=with_tickets(escalated, urgent, quiet))
    assert result.open_escalations == 2
    raised = [c for c in result.changes.raised if c.rule is AlertRule.SUPPORT_ESCALATION]
    assert sorted(c.subject_id for c in raised) == ["T-1", "T-2"]
    assert run(facts=with_tickets(quiet)).open_escalations == 0
    assert run(facts=AccountFacts(signals(last_engagement_at=ago(1)))).open_escalations == 0


def test_a_changed_escalation_count_is_announced_even_when_the_score_holds():
    facts = with_tickets(OpenTicket("T-1", "normal", escalated=True))
    score = run(facts=facts).effective
    assert score.score is not None and score.band is not None
    assert not run(facts=facts, stored=emitted(score.score, score.band, escalations=1)).emit_scored
    assert run(facts=facts, stored=emitted(score.score, score.band, escalations=0)).emit_scored
    # A row stored before the count was kept announces it once.
    assert run(facts=facts, stored=emitted(score.score, score.band, escalations=None)).emit_scored


def test_no_escalations_are_counted_while_the_rule_is_off():
    facts = with_tickets(OpenTicket("T-1", "urgent", escalated=True))
    rules = rules_with({"rules": {"support_escalation": {"enabled": False}}})
    card = rules.scorecard.for_segment(None)
    result = assess(facts, StoredHealth("acct-1"), [], {}, card, rules.alerts, AS_OF)
    assert result.open_escalations == 0


def test_fingerprint_names_the_content():
    assert override_fingerprint(None) is None
    assert override_fingerprint(override(score=30.0)) == override_fingerprint(override(score=30.0))
    assert override_fingerprint(override(score=30.0)) != override_fingerprint(override(score=31.0))


def test_rules_see_the_previous_stored_score_and_the_trend():
    facts = AccountFacts(signals(last_engagement_at=ago(70)))  # recency 26.3: red
    result = run(facts=facts, stored=emitted(100.0, Band.GREEN), past=[(ago(30), 100.0)])
    raised = {c.rule for c in result.changes.raised}
    assert AlertRule.HEALTH_BAND_DROPPED in raised and AlertRule.HEALTH_SHARP_DECLINE in raised
    assert AlertRule.ENGAGEMENT_SILENT in raised
    assert result.trend.score_30d_ago == 100.0


def test_open_alerts_are_not_raised_again_and_resolve_when_cleared():
    facts = AccountFacts(signals(last_engagement_at=ago(70)))
    first = run(facts=facts)
    silent = next(c for c in first.changes.raised if c.rule is AlertRule.ENGAGEMENT_SILENT)
    open_alert = StoredAlert(ActiveAlert.from_condition(silent, ago(1), "alert-1"), "{}")
    again = run(facts=facts, alerts={silent.dedup_key: open_alert})
    assert silent.dedup_key not in {c.dedup_key for c in again.changes.raised}
    cleared = run(alerts={silent.dedup_key: open_alert})
    assert [r.alert.dedup_key for r in cleared.changes.resolved] == [silent.dedup_key]


def test_nearest_renewal_is_the_next_end_date_or_the_latest_passed_one():
    today = AS_OF.date()
    soon, later, passed = (
        today + timedelta(days=40),
        today + timedelta(days=200),
        today - timedelta(days=3),
    )
    assert nearest_renewal([later, soon, passed], today) == soon
    assert nearest_renewal([passed, passed - timedelta(days=365)], today) == passed
    assert nearest_renewal([today], today) == today
    assert nearest_renewal([], today) is None


def moved(previous: HealthScore | None, current: HealthScore, **options: float) -> bool:
    before = (previous.score, previous.band) if previous is not None else (None, None)
    return score_moved(*before, current.score, current.band, **options)


@pytest.mark.parametrize(
    ("before", "after", "emit"),
    [
        (None, 55.0, True),  # first score
        (55.0, 56.0, True),  # moved exactly 1 point
        (55.0, 54.0, True),
        (55.0, 55.9, False),
        (70.3, 71.2, False),  # 0.9
        (70.0, 69.9, True),  # band changed green → yellow
        (40.0, 39.9, True),
    ],
)
def test_emit_when_score_moved_a_point_or_band_changed(
    before: float | None, after: float, emit: bool
) -> None:
    previous = None if before is None else health(before)
    assert moved(previous, health(after)) is emit


def test_an_unscored_result_is_never_emitted_and_the_next_score_is() -> None:
    assert not moved(health(60.0), health(None))
    assert not moved(None, health(None))
    assert moved(health(None), health(60.0))


def test_band_change_without_score_change_is_emitted() -> None:
    assert moved(health(60.0, Band.YELLOW), health(60.0, Band.GREEN))


def test_minimum_change_is_adjustable() -> None:
    assert not moved(health(50.0), health(52.0), min_score_change=5)


def test_every_rule_holds_its_verdict_while_history_is_still_arriving():
    """A late event a minute ago: nothing raised, nothing open resolved; scored as usual."""
    settle = timedelta(minutes=5)  # the shipped backfill_settle_minutes
    silent = AccountFacts(signals(last_engagement_at=ago(70), late_at=AS_OF - timedelta(minutes=1)))
    held = run(facts=silent)
    assert held.changes.is_empty and not held.judged
    assert held.emit_scored and held.computed.score is not None
    assert held.provisional  # said on health.scored, so renewals hold theirs too
    first = run(facts=AccountFacts(signals(last_engagement_at=ago(70))))
    [open_silent] = [c for c in first.changes.raised if c.rule is AlertRule.ENGAGEMENT_SILENT]
    alert = StoredAlert(ActiveAlert.from_condition(open_silent, ago(1), "alert-1"), "{}")
    engaged = AccountFacts(signals(last_engagement_at=ago(1), late_at=AS_OF - timedelta(minutes=1)))
    assert run(facts=engaged, alerts={open_silent.dedup_key: alert}).changes.is_empty
    settled = replace(silent, signals=replace(silent.signals, late_at=AS_OF - settle))
    judged = run(facts=settled)
    assert judged.judged and not judged.provisional
    assert AlertRule.ENGAGEMENT_SILENT in {c.rule for c in judged.changes.raised}


def test_an_instant_already_judged_is_not_judged_again_and_history_points_are_announced():
    facts = AccountFacts(signals(last_engagement_at=ago(70)))
    rules = rules_with({})
    card = rules.scorecard.for_segment(None)
    stored = emitted(26.3, Band.RED)
    not_judged = assess(facts, stored, [], {}, card, rules.alerts, AS_OF, judge=False)
    assert not_judged.changes.is_empty and not not_judged.judged
    assert not not_judged.provisional  # a settled history's point, only not judged again
    assert not not_judged.emit_scored  # unchanged score: a live recompute stays quiet
    announced = assess(facts, stored, [], {}, card, rules.alerts, AS_OF, announce=True)
    assert announced.emit_scored  # a point of the event-time history always is
