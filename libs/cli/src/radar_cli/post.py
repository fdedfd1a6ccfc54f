"""Posting events to ingest's `POST /v1/events/batch`: batches within its limits, a few
requests in flight, retries on 503/429 as `Retry-After` says, a clear stop on 401/403.

A 202 lists `accepted` and `rejected` (by index, with details); a batch whose every item
was refused answers 422 with the same `rejected` list. Either way the rest goes on, and
the rejections are reported at the end.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

BATCH_PATH = "/v1/events/batch"
MAX_EVENTS = 1000  # ingest's max_batch_events
# Ingest refuses bodies over 1 MiB (1,048,576 bytes); stay clearly under it.
MAX_BODY_BYTES = 1_000_000
_OPEN, _SEP, _CLOSE = b'{"events":[', b",", b"]}"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


def encode(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass(frozen=True)
class Batch:
    body: bytes
    count: int
    number: int = 0  # its place among the batches of one run, from 0

    def event(self, index: int) -> dict[str, Any]:
        """The event at `index`, parsed again only when it needs reporting."""
        item: dict[str, Any] = json.loads(self.body)["events"][index]
        return item


def make_batches(
    events: Iterable[dict[str, Any]],
    *,
    max_events: int = MAX_EVENTS,
    max_bytes: int = MAX_BODY_BYTES,
) -> Iterator[Batch]:
    """Consecutive events as request bodies of at most `max_events` and `max_bytes`."""
    items: list[bytes] = []
    size = len(_OPEN) + len(_CLOSE)
    number = 0
    for event in events:
        item = encode(event)
        if len(_OPEN) + len(item) + len(_CLOSE) > max_bytes:
            raise ValueError(f"event {event.get('event_id')} alone exceeds {max_bytes} bytes")
        if items and (len(items) == max_events or size + len(_SEP) + len(item) > max_bytes):
            yield _batch(items, number)
            items, size, number = [], len(_OPEN) + len(_CLOSE), number + 1
        size += len(item) + (len(_SEP) if items else 0)
        items.append(item)
    if items:
        yield _batch(items, number)


def _batch(items: list[bytes], number: int) -> Batch:
    return Batch(_OPEN + _SEP.join(items) + _CLOSE, len(items), number)


@dataclass(frozen=True)
class Rejection:
    event_id: str
    event_type: str
    details: list[dict[str, str]]

    def reason(self) -> str:
        return "; ".join(f"{d.get('field')}: {d.get('reason')}" for d in self.details)


@dataclass
class PostResult:
    accepted: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    requests: int = 0
    retries: int = 0


class PostError(Exception):
    """Posting cannot go on; the message says why and what to do."""


Sleep = Callable[[float], Awaitable[None]]


@dataclass
class Poster:
    base_url: str
    api_key: str
    concurrency: int = 4
    give_up_after: float = 120.0  # seconds one batch may keep failing before we stop
    timeout: float = 30.0
    on_progress: Callable[[int], None] | None = None
    on_posted: Callable[[Batch], None] | None = None  # each batch once ingest has judged it
    transport: httpx.AsyncBaseTransport | None = None  # tests answer without a server
    sleep: Sleep = asyncio.sleep
    result: PostResult = field(default_factory=PostResult)

    async def post(self, batches: Iterable[Batch]) -> PostResult:
        """Post every batch, oldest first, `concurrency` at a time; raises PostError."""
        pending = iter(batches)
        headers = {
            "Authorization": f"Bearer {self.api_key}",
            "Content-Type": "application/json",
        }
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=self.timeout,
            limits=limits,
            transport=self.transport,
        ) as client:
            try:
                async with asyncio.TaskGroup() as tasks:
                    for _ in range(self.concurrency):
                        tasks.create_task(self._worker(client, pending))
            except BaseExceptionGroup as group:
                # One worker's PostError stops them all; report it, not the group.
                first = group.exceptions[0]
                if isinstance(first, PostError):
                    raise first from None
                raise
        return self.result

    async def _worker(self, client: httpx.AsyncClient, pending: Iterator[Batch]) -> None:
        # Workers share one iterator: no await between taking a batch and claiming it.
        for batch in pending:
            await self._send(client, batch)
            if self.on_progress is not None:
                self.on_progress(batch.count)
            if self.on_posted is not None:
                self.on_posted(batch)

    async def _send(self, client: httpx.AsyncClient, batch: Batch) -> None:
        failing_since: float | None = None
        attempt = 0
        while True:
            self.result.requests += 1
            try:
                response = await client.post(BATCH_PATH, content=batch.body)
            except httpx.TransportError as exc:
                problem, wait = f"cannot reach {self.base_url} ({type(exc).__name__})", None
            else:
                if response.status_code in (202, 422) and self._settled(batch, response):
                    return
                self._refuse(response)
                problem = f"{response.status_code} {_error_of(response)}"
                wait = retry_after(response.headers.get("retry-after"))
            now = time.monotonic()
            failing_since = failing_since if failing_since is not None else now
            if now - failing_since >= self.give_up_after:
                raise PostError(
                    f"gave up after {now - failing_since:.0f} s of retries: {problem}. "
                    "Is ingest running (`radar status`)?"
                )
            attempt += 1
            self.result.retries += 1
            await self.sleep(wait if wait is not None else min(0.5 * 2 ** (attempt - 1), 10.0))

    def _settled(self, batch: Batch, response: httpx.Response) -> bool:
        """Count a 202, or a 422 that judged every item; False for any other answer."""
        try:
            body = response.json()
        except ValueError:
            return False
        rejected = body.get("rejected") if isinstance(body, dict) else None
        if not isinstance(rejected, list):
            return False
        self.result.accepted += len(body.get("accepted", []))
        for item in rejected:
            event = batch.event(item["index"])
            self.result.rejected.append(
                Rejection(str(event.get("event_id")), str(event.get("type")), item["details"])
            )
        return True

    def _refuse(self, response: httpx.Response) -> None:
        """Raise PostError unless the answer is worth retrying."""
        status = response.status_code
        if status == 401:
            raise PostError(
                f"ingest refused the API key (401: {_error_of(response)}). Pass --api-key, "
                "set RADAR_API_KEY, or use the demo key `radar up` writes to "
                ".radar/demo-api-key."
            )
        if status == 403:
            raise PostError(
                f"this API key may not send these events (403: {_error_of(response)}). "
                "Use a key allowed for every raw event type, like the demo key."
            )
        if status not in RETRY_STATUSES:
            raise PostError(f"ingest refused a batch ({status}: {_error_of(response)})")


def retry_after(value: str | None) -> float | None:
    """Seconds to wait from a `Retry-After` header (seconds or an HTTP date), capped."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _error_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):  # {"error": {"code", "message", "details"}}, as every service
        details = error.get("details") or []
        reasons = "; ".join(
            f"{d.get('field')}: {d.get('reason')}" for d in details[:3] if isinstance(d, dict)
        )
        return f"{error.get('message')}" + (f" ({reasons})" if reasons else "")
    return str(body)[:200]
