"""What became of the accounts a rule fired on: their first renewal decided after it."""

from __future__ import annotations

import random
from datetime import date, timedelta

from notifier_factories import T0

from radar_notifier.domain.quality import FiredOn, newest_terms, outcomes_by_rule, term_from

DAY = timedelta(days=1)


def test_each_account_counts_once_by_its_first_renewal_decided_after_the_alert() -> None:
    terms = [
        term_from("s1", date(2026, 6, 1), "a1", "churned", 100.0, T0 + DAY),
        term_from("s2", date(2026, 6, 1), "a2", "renewed_on_time", 100.0, T0 + DAY),
        term_from("s2", date(2027, 6, 1), "a2", "upcoming", 60.0, T0 + DAY),
        term_from("s3", date(2026, 6, 1), "a3", "renewed_late", 100.0, T0 + DAY),
        term_from("s3", date(2027, 6, 1), "a3", "upcoming", 100.0, T0 + DAY),
        # Decided before the alert: not its outcome; then renewed after it.
        term_from("s4", date(2026, 1, 1), "a4", "churned", 100.0, T0 - DAY),
        term_from("s5", date(2026, 9, 1), "a4", "renewed_early", 100.0, T0 + 2 * DAY),
        term_from("s6", date(2026, 9, 1), "a5", "in_window", 100.0, T0 + DAY),
    ]
    fired = [FiredOn("usage.sharp_drop", f"a{n}", T0) for n in range(1, 6)]
    [(rule, seen)] = outcomes_by_rule(fired, terms).items()
    assert rule == "usage.sharp_drop"
    assert (seen.accounts, seen.churned, seen.contracted, seen.renewed, seen.pending) == (
        5,
        1,
        1,
        2,
        1,
    )
    assert seen.precision == 0.5


def test_the_newest_event_of_a_term_wins_whatever_their_order() -> None:
    told = [
        term_from("s1", date(2026, 6, 1), "a1", state, 100.0, T0 + n * DAY)
        for n, state in enumerate(["upcoming", "in_window", "overdue", "churned"])
    ]
    for seed in range(5):
        shuffled = random.Random(seed).sample(told, len(told))
        [term] = newest_terms(shuffled)
        assert (term.state, term.decided_at) == ("churned", T0 + 3 * DAY)


def test_the_verdict_renewals_reached_last_wins_over_a_fact_stamped_later() -> None:
    # A history loads: renewals judged the term overdue today, then the cancellation of
    # months ago arrived and it judged it churned. The churn is the newer verdict.
    overdue = term_from("s1", date(2026, 6, 1), "a1", "overdue", 100.0, T0, evaluated_at=T0)
    churned = term_from(
        "s1", date(2026, 6, 1), "a1", "churned", 100.0, T0 - 90 * DAY, evaluated_at=T0 + DAY
    )
    for order in ([overdue, churned], [churned, overdue]):
        [term] = newest_terms(order)
        assert (term.state, term.decided_at) == ("churned", T0 - 90 * DAY)
