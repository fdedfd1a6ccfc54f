"""Properties that must hold for any input, not just the examples we thought of."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from notifier_factories import T0, config, email, make_alert, pending, slack

from radar_notifier.domain.alerts import AlertView, NoticeKind
from radar_notifier.domain.digest import PendingNotification
from radar_notifier.domain.fatigue import apply_alert, next_group_due_at, plan_groups
from radar_notifier.domain.retry import RetryPolicy, backoff_delay, next_attempt_at

TIMINGS = config().timings
RECIPIENTS = [email("jane@example.com"), email("max@example.com"), slack("cs-alerts")]

policies = st.builds(
    RetryPolicy,
    max_attempts=st.integers(1, 100),
    base_delay=st.floats(0.001, 60).map(lambda s: timedelta(seconds=s)),
    factor=st.floats(1.0, 10.0),
    max_delay=st.floats(60, 7200).map(lambda s: timedelta(seconds=s)),
    jitter=st.sampled_from(["full", "equal", "none"]),
    max_retry_after=st.just(timedelta(hours=1)),
)


@given(policy=policies, attempt=st.integers(1, 10_000), seed=st.integers(0, 2**32))
def test_backoff_is_always_within_zero_and_cap(
    policy: RetryPolicy, attempt: int, seed: int
) -> None:
    delay = backoff_delay(attempt, policy, random.Random(seed))
    assert timedelta(0) <= delay <= policy.max_delay


@given(
    policy=policies,
    attempt=st.integers(1, 120),
    seed=st.integers(0, 2**32),
    retry_after=st.one_of(st.none(), st.floats(-1e6, 1e12)),
)
def test_next_attempt_is_never_in_the_past_nor_beyond_its_bounds(
    policy: RetryPolicy, attempt: int, seed: int, retry_after: float | None
) -> None:
    at = next_attempt_at(attempt, T0, policy, random.Random(seed), retry_after=retry_after)
    if attempt >= policy.max_attempts:
        assert at is None
        return
    assert at is not None
    assert T0 <= at <= T0 + max(policy.max_delay, policy.max_retry_after)
    if retry_after is not None and 0 < retry_after <= policy.max_retry_after.total_seconds():
        assert at >= T0 + timedelta(seconds=retry_after)


def _pending_items() -> st.SearchStrategy[list[PendingNotification]]:
    item = st.builds(
        lambda recipient, key, resolved, occurred, enqueued: pending(
            recipient,
            make_alert(
                alert_id=f"{key}-{occurred}-{resolved}",
                dedup_key=f"k-{key}",
                resolved=resolved,
                occurred_at=T0 + timedelta(seconds=occurred),
            ),
            T0 + timedelta(seconds=enqueued),
        ),
        st.sampled_from(RECIPIENTS),
        st.integers(0, 4),
        st.booleans(),
        st.integers(0, 600),
        st.integers(0, 600),
    )
    return st.lists(item, max_size=30)


@settings(max_examples=200)
@given(
    items=_pending_items(),
    now_offset=st.integers(0, 1200),
    flushes=st.dictionaries(
        st.sampled_from([r.key for r in RECIPIENTS]), st.integers(-600, 600), max_size=3
    ),
)
def test_grouping_never_loses_or_duplicates_a_pending_notification(
    items: list[PendingNotification], now_offset: int, flushes: dict[str, int]
) -> None:
    now = T0 + timedelta(seconds=now_offset)
    last_flush = {key: T0 + timedelta(seconds=s) for key, s in flushes.items()}
    digests = plan_groups(items, now, TIMINGS, last_flush)

    covered = Counter(p for d in digests for p in d.items + d.superseded)
    due_recipients = {d.recipient.key for d in digests}
    expected = Counter(p for p in items if p.recipient.key in due_recipients)
    assert covered == expected  # nothing lost, nothing doubled
    assert len(due_recipients) == len(digests)  # one digest per recipient
    for digest in digests:
        assert all(p.recipient == digest.recipient for p in digest.items + digest.superseded)
        keys = [p.alert.dedup_key for p in digest.items]
        assert len(keys) == len(set(keys))  # one notice per alert per digest
    waiting = [p for p in items if p.recipient.key not in due_recipients]
    next_due = next_group_due_at(waiting, TIMINGS, last_flush)
    assert next_due is None or next_due > now  # whoever waits is really not due yet

    # Far enough in the future every recipient is due, so everything is covered.
    later = plan_groups(items, T0 + timedelta(days=1), TIMINGS, last_flush)
    assert Counter(p for d in later for p in d.items + d.superseded) == Counter(items)


events = st.lists(
    st.tuples(st.integers(0, 20), st.booleans()).map(
        lambda t: make_alert(occurred_at=T0 + timedelta(minutes=t[0]), resolved=t[1])
    ),
    min_size=1,
    max_size=12,
)


@given(alerts=events, data=st.data())
def test_final_status_does_not_depend_on_arrival_order(
    alerts: list[AlertView], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(alerts))
    duplicated = shuffled + data.draw(st.lists(st.sampled_from(alerts), max_size=5))

    def fold(sequence: list[AlertView]) -> NoticeKind:
        state = None
        for alert in sequence:
            state = apply_alert(state, alert)
        assert state is not None
        return state.status

    # The newest event wins; at the same instant a resolve beats a raise.
    newest = max(alerts, key=lambda a: (a.occurred_at, a.resolved))
    assert fold(alerts) == fold(duplicated) == newest.notice
