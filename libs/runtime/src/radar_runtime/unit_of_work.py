"""One transaction: projection writes plus the events they emit, committed together."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope
from radar_schemas.topics import topic_for

from .clock import Clock
from .db import Database, outbox
from .sql import driver_of

_OUTBOX_COLUMNS = ("topic", "key", "value", "headers")


class UnitOfWork:
    """What a handler, a job or an API command gets: a session in a transaction,
    the time to use, and `emit` to publish events through the outbox."""

    def __init__(
        self, session: AsyncSession, now: datetime, topic_name: Callable[[str], str]
    ) -> None:
        self.session = session
        self.now = now
        self._topic_name = topic_name
        self._outbox_rows: list[tuple[str, str, bytes, str]] = []
        self._after_commit: list[Callable[[], None]] = []

    def emit(self, event: Envelope) -> None:
        headers = {"type": event.type, "event_id": str(event.event_id)}
        self._outbox_rows.append(
            (
                self._topic_name(topic_for(event.type)),
                event.account_id,
                encode(event),
                json.dumps(headers),  # the driver takes JSON as text
            )
        )

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once the transaction has committed (e.g. wake a worker)."""
        self._after_commit.append(callback)

    def mark(self) -> tuple[int, int]:
        """Where the emitted events and callbacks stand now (see `forget_since`)."""
        return len(self._outbox_rows), len(self._after_commit)

    def forget_since(self, mark: tuple[int, int]) -> None:
        """Drop what was emitted and scheduled after `mark`: its savepoint rolled back."""
        del self._outbox_rows[mark[0] :]
        del self._after_commit[mark[1] :]

    @property
    def emitted(self) -> int:
        return len(self._outbox_rows)

    async def write_outbox(self, notify_channel: str) -> None:
        if not self._outbox_rows:
            return
        # Binary COPY straight into the table: half the client CPU of a multi-row
        # INSERT, and COPY inserts in the given order, so ids keep emission order.
        driver = await driver_of(self.session)
        await driver.copy_records_to_table(
            outbox.name, records=self._outbox_rows, columns=_OUTBOX_COLUMNS
        )
        # Delivered by PostgreSQL only when the transaction commits: the relay wakes
        # exactly when there is something to publish.
        await self.session.execute(
            text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel}
        )


@asynccontextmanager
async def unit_of_work(
    db: Database, clock: Clock, topic_name: Callable[[str], str]
) -> AsyncIterator[UnitOfWork]:
    """Commit on success, roll back (emitting nothing) on any error."""
    async with db.sessions() as session:
        async with session.begin():
            uow = UnitOfWork(session, clock.now(), topic_name)
            yield uow
            await uow.write_outbox(db.notify_channel)
        for callback in uow._after_commit:
            callback()
