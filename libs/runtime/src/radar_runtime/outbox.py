"""The outbox relay: publishes what handlers emitted, in order, after their commit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from typing import Any

from sqlalchemy import func, select, text, update

from . import metrics
from .db import Database, advisory_key, outbox
from .kafka import FATAL_PRODUCER_ERRORS, ProducerHandle

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        service: str,
        db: Database,
        producers: ProducerHandle,
        poll_seconds: float = 0.5,
        batch_size: int = 1000,
    ) -> None:
        self._service = service
        self._db = db
        self._producers = producers
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock_key = advisory_key(db.schema, "outbox-relay")
        self._pending_checked = 0.0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-outbox")

    async def stop(self) -> None:
        """Publish what is pending, then stop."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        with contextlib.suppress(Exception):
            while await self.publish_pending() == self._batch_size:
                pass

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                async with self._db.engine.connect() as listen_conn:
                    raw = await listen_conn.get_raw_connection()
                    driver = raw.driver_connection
                    assert driver is not None
                    await driver.add_listener(self._db.notify_channel, self._on_notify)
                    await self._publish_until_stopped()
            except Exception:
                log.exception("outbox relay failed; reconnecting")
                await asyncio.sleep(1)

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def _publish_until_stopped(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            if await self.publish_pending() == self._batch_size:
                continue  # a backlog: keep draining without waiting
            # The poll covers a missed notification (e.g. while reconnecting).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished rows in id order; returns how many."""
        async with self._db.sessions() as session, session.begin():
            # One relay at a time per schema keeps per-key order across replicas.
            if not await session.scalar(select(func.pg_try_advisory_xact_lock(self._lock_key))):
                return 0
            rows = (
                await session.execute(
                    select(
                        outbox.c.id, outbox.c.topic, outbox.c.key, outbox.c.value, outbox.c.headers
                    )
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.id)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if rows:
                producer = self._producers.current
                try:
                    sends = [
                        await producer.send(
                            row.topic,
                            value=row.value,
                            key=row.key.encode(),
                            headers=[(k, str(v).encode()) for k, v in row.headers.items()],
                        )
                        for row in rows
                    ]
                    await asyncio.gather(*sends)
                except FATAL_PRODUCER_ERRORS:
                    self._producers.replace_soon(producer)
                    raise
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_([row.id for row in rows]))
                    .values(published_at=func.now())
                )
                for topic, count in Counter(row.topic for row in rows).items():
                    metrics.OUTBOX_PUBLISHED.labels(self._service, topic).inc(count)
            await self._update_pending_gauge(session, len(rows))
        return len(rows)

    async def _update_pending_gauge(self, session: Any, published: int) -> None:
        gauge = metrics.OUTBOX_PENDING.labels(self._service)
        if published < self._batch_size:
            gauge.set(0)
            return
        if time.monotonic() - self._pending_checked > 1.0:
            self._pending_checked = time.monotonic()
            pending = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
            gauge.set(pending or 0)


async def purge_published(db: Database, older_than_seconds: int = 3600) -> int:
    """Published rows are kept an hour for inspection, then removed."""
    async with db.sessions() as session, session.begin():
        result = await session.execute(
            text("DELETE FROM outbox WHERE published_at < now() - make_interval(secs => :age)"),
            {"age": older_than_seconds},
        )
    return int(getattr(result, "rowcount", 0) or 0)
