"""The token registry as the services read it: a short cache in front of the table, so
a check costs a dict lookup, and a revocation still takes effect within seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime, timedelta

from ..clock import Clock
from ..db import Database
from . import store
from .tokens import TokenRecord, token_hash

log = logging.getLogger(__name__)

_MAX_ENTRIES = 10_000


class TokenRegistry:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        cache_seconds: float = 5.0,
        record_use_every: timedelta = timedelta(minutes=1),
    ) -> None:
        self.db = db
        self._clock = clock
        self._cache_seconds = cache_seconds
        self._record_use_every = record_use_every
        self._cache: dict[str, tuple[TokenRecord | None, float]] = {}
        self._used: dict[str, datetime] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def lookup(self, token: str) -> TokenRecord | None:
        digest = token_hash(token)
        cached = self._cache.get(digest)
        if cached is not None and cached[1] > time.monotonic():
            record = cached[0]
        else:
            async with self.db.sessions() as session:
                record = await store.token_by_hash(session, digest)
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache.clear()  # unknown tokens cannot grow it without bound
            self._cache[digest] = (record, time.monotonic() + self._cache_seconds)
        if record is not None and record.refusal(self._clock.now()) is None:
            self._note_use(digest)
        return record

    def _note_use(self, digest: str) -> None:
        """Record the last use in the background, at most once a minute per token."""
        now = self._clock.now()
        last = self._used.get(digest)
        if last is not None and now - last < self._record_use_every:
            return
        self._used[digest] = now
        task = asyncio.create_task(self._mark_used(digest, now))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _mark_used(self, digest: str, at: datetime) -> None:
        try:
            async with self.db.sessions() as session, session.begin():
                await store.mark_used(session, digest, at)
        except Exception as error:  # a lost "last used" must not fail the request
            log.warning("could not record a token's last use", extra={"error": repr(error)})

    async def close(self) -> None:
        for task in list(self._tasks):
            with contextlib.suppress(Exception):
                await task
        await self.db.dispose()
