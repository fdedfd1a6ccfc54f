"""The scheduled purge: sent deliveries and settled notices older than the retention
go; failed deliveries and waiting notices stay, however old."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from notifier_harness import T0, alert
from sqlalchemy import select

from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.notices import NewNotice
from radar_notifier.domain.routing import Recipient
from radar_notifier.main import spec
from radar_notifier.projection.alerts import view_from_event
from radar_notifier.store import deliveries, notices
from radar_notifier.store.deliveries import Attempt, NewDelivery
from radar_notifier.store.notices import Settled
from radar_notifier.store.tables import deliveries as deliveries_table
from radar_notifier.store.tables import pending_notifications

pytestmark = pytest.mark.integration

RETENTION = timedelta(days=30)  # the default sent_retention_days
OLD, RECENT = T0 - RETENTION - timedelta(days=1), T0 - timedelta(days=1)
JANE = Recipient(ChannelKind.EMAIL, "jane@example.com", "default")


def _notice(at) -> NewNotice:
    view = view_from_event(alert(f"acct-{uuid.uuid4().hex[:6]}", at=at))  # type: ignore[arg-type]
    return NewNotice(uuid.uuid4(), JANE, view.notice, view, at, None, at)


def _delivery(notice: NewNotice) -> NewDelivery:
    item = PendingNotification(recipient=JANE, alert=notice.alert, enqueued_at=notice.enqueued_at)
    digest = Digest(recipient=JANE, items=(item,), superseded=(), created_at=notice.enqueued_at)
    return NewDelivery(f"key-{notice.id}", digest, "headline", {}, notice.occurred_at)


async def test_purge_keeps_failures_and_waiting_notices(notifier):
    runtime = notifier.parts.runtime
    waiting_old, grouped_old, dropped_old, grouped_recent = (
        _notice(OLD),
        _notice(OLD),
        _notice(OLD),
        _notice(RECENT),
    )
    sent_old, failed_old, sent_recent = (
        _delivery(grouped_old),
        _delivery(dropped_old),
        _delivery(grouped_recent),
    )
    async with runtime.unit_of_work() as uow:
        session = uow.session
        await notices.queue(session, [waiting_old, grouped_old, dropped_old, grouped_recent])
        await notices.settle(
            session,
            [
                Settled(grouped_old.id, "grouped", sent_old.idempotency_key),
                Settled(dropped_old.id, "dropped", drop_reason="acknowledged"),
                Settled(grouped_recent.id, "grouped", sent_recent.idempotency_key),
            ],
        )
        await deliveries.add(session, [sent_old, failed_old], OLD)
        await deliveries.add(session, [sent_recent], RECENT)
        due = await deliveries.claim_due(session, T0, 10, runtime.db.schema)
        ids = {row.idempotency_key: row.id for row in due}
        await deliveries.record_attempts(
            session,
            [
                Attempt(ids[sent_old.idempotency_key], "sent", 1, OLD, None),
                Attempt(ids[failed_old.idempotency_key], "failed", 1, OLD, "smtp answered 550"),
                Attempt(ids[sent_recent.idempotency_key], "sent", 1, RECENT, None),
            ],
        )
        await deliveries.release_claims(session)
        assert await deliveries.count_pending(session) == 0
        assert await notices.count_waiting(session) == 1

    [purge] = spec(notifier.parts).jobs
    await purge.run(T0)

    async with runtime.db.sessions() as session:
        kept_notices = set(await session.scalars(select(pending_notifications.c.id)))
        kept_deliveries = set(await session.scalars(select(deliveries_table.c.idempotency_key)))
    assert kept_notices == {waiting_old.id, grouped_recent.id}
    assert kept_deliveries == {failed_old.idempotency_key, sent_recent.idempotency_key}
