"""Batching and posting, against ingest's contract answered by an in-memory transport."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import httpx
import pytest

from radar_cli.post import (
    MAX_EVENTS,
    Batch,
    Poster,
    PostError,
    make_batches,
    retry_after,
)
from radar_cli.progress import Progress
from radar_cli.simulate import SimulationConfig, generate
from radar_runtime.errors import error_body

MIB = 1024 * 1024
Handler = Callable[[httpx.Request], httpx.Response]


def events(n: int, padding: int = 0) -> list[dict[str, Any]]:
    return [
        {
            "event_id": f"00000000-0000-4000-8000-{i:012d}",
            "type": "ticket.opened",
            "schema_version": 1,
            "occurred_at": "2025-03-03T09:15:00Z",
            "account_id": f"acct-{i % 7}",
            "payload": {
                "ticket_id": f"T-{i}",
                "priority": "normal",
                "status": "open",
                "escalated": False,
                "subject": "x" * padding,
            },
        }
        for i in range(n)
    ]


def unpack(batches: list[Batch]) -> list[dict[str, Any]]:
    return [event for batch in batches for event in json.loads(batch.body)["events"]]


def test_batches_hold_at_most_1000_events_in_order() -> None:
    generated = list(generate(SimulationConfig(12, 40, 1, date(2025, 6, 1))))
    batches = list(make_batches(generated))
    assert len(generated) > 2 * MAX_EVENTS
    assert all(batch.count <= MAX_EVENTS for batch in batches)
    assert all(len(batch.body) < MIB for batch in batches)
    assert unpack(batches) == generated
    assert [b.count for b in batches] == [len(json.loads(b.body)["events"]) for b in batches]


def test_batches_stay_under_1_mib_when_events_are_large() -> None:
    big = events(900, padding=1900)  # ~2.1 kB each: the byte limit binds before the count
    batches = list(make_batches(big))
    assert len(batches) > 1
    assert all(len(batch.body) < MIB for batch in batches)
    assert max(len(batch.body) for batch in batches) > 0.9 * MIB  # batches are well filled
    assert unpack(batches) == big


def test_an_event_too_large_for_any_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="alone exceeds"):
        list(make_batches(events(1, padding=2_000), max_bytes=1_000))


def accepted(request: httpx.Request, rejected: tuple[int, ...] = ()) -> httpx.Response:
    items = json.loads(request.content)["events"]
    return httpx.Response(
        202,
        json={
            "accepted": [
                {"index": i, "event_id": e["event_id"], "topic": "cs.support.v1"}
                for i, e in enumerate(items)
                if i not in rejected
            ],
            "rejected": [
                {"index": i, "details": [{"field": "occurred_at", "reason": "too far ahead"}]}
                for i in rejected
            ],
        },
    )


class Recorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []
        self.progress: list[int] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)


def poster(handler: Handler, recorder: Recorder, **options: Any) -> Poster:
    return Poster(
        "http://127.0.0.1:9",
        "rr_test",
        transport=httpx.MockTransport(handler),
        sleep=recorder.sleep,
        on_progress=recorder.progress.append,
        **options,
    )


async def test_every_batch_is_posted_with_the_bearer_key() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return accepted(request)

    recorder = Recorder()
    batches = list(make_batches(events(2500)))
    result = await poster(handler, recorder, concurrency=3).post(batches)
    assert result.accepted == 2500 and result.rejected == [] and result.requests == 3
    assert {r.url.path for r in seen} == {"/v1/events/batch"}
    assert {r.headers["authorization"] for r in seen} == {"Bearer rr_test"}
    assert sorted(recorder.progress) == [500, 1000, 1000]


async def test_503_and_429_are_retried_after_the_time_ingest_asks() -> None:
    answers = iter(
        [
            httpx.Response(
                503, headers={"Retry-After": "5"}, json=error_body("unavailable", "broker down")
            ),
            httpx.Response(
                429, headers={"Retry-After": "2"}, json=error_body("rate_limited", "slow down")
            ),
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or accepted(request)

    recorder = Recorder()
    result = await poster(handler, recorder, concurrency=1).post(make_batches(events(10)))
    assert result.accepted == 10 and result.retries == 2 and result.requests == 3
    assert recorder.sleeps == [5.0, 2.0]


async def test_connection_failures_back_off_then_give_up() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    recorder = Recorder()
    with pytest.raises(PostError, match=r"cannot reach http://127\.0\.0\.1:9"):
        await poster(handler, recorder, give_up_after=0.0).post(make_batches(events(3)))


@pytest.mark.parametrize(
    ("status", "message"),
    [(401, "refused the API key"), (403, "may not send these events")],
)
async def test_401_and_403_stop_with_a_clear_message(status: int, message: str) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(status, json=error_body("unauthenticated", "unknown API key"))

    recorder = Recorder()
    batches = list(make_batches(events(5000)))
    with pytest.raises(PostError, match=message) as raised:
        await poster(handler, recorder, concurrency=2).post(batches)
    assert "unknown API key" in str(raised.value)  # the message of the shared error body
    assert calls <= 2 and recorder.sleeps == []  # stopped at once, nothing retried


async def test_rejected_items_are_reported_by_event() -> None:
    batch_events = events(6)

    def handler(request: httpx.Request) -> httpx.Response:
        return accepted(request, rejected=(1, 4))

    result = await poster(handler, Recorder()).post(make_batches(batch_events))
    assert result.accepted == 4
    assert [r.event_id for r in result.rejected] == [
        batch_events[1]["event_id"],
        batch_events[4]["event_id"],
    ]
    assert result.rejected[0].event_type == "ticket.opened"
    assert result.rejected[0].reason() == "occurred_at: too far ahead"


async def test_a_batch_with_no_valid_item_counts_as_rejected_and_posting_goes_on() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)["events"]
        rejected = [
            {"index": i, "details": [{"field": "type", "reason": "bad"}]} for i in range(len(items))
        ]
        return httpx.Response(
            422,
            json={**error_body("invalid", "no valid event in the batch"), "rejected": rejected},
        )

    result = await poster(handler, Recorder()).post(make_batches(events(3)))
    assert result.accepted == 0 and len(result.rejected) == 3


def test_retry_after_reads_seconds_and_dates_and_is_capped() -> None:
    assert retry_after("5") == 5.0
    assert retry_after("3600") == 60.0
    assert retry_after(None) is None and retry_after("soon") is None
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: now


def test_the_progress_bar_is_plain_text() -> None:
    now = [0.0]
    out = io.StringIO()
    progress = Progress(200_000, stream=out, clock=lambda: now[0])
    now[0] = 12.84
    progress.advance(104_000)
    assert progress.line() == "[################..............]  52% 104,000/200,000 events 8,100/s"
    progress.advance(96_000)
    progress.finish()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[################.....") and "104,000/200,000" in lines[0]
    assert lines[-1].startswith("[##############################] 100% 200,000/200,000")
