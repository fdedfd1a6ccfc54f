"""The Segment-compatible routes, driven by Segment's own Python SDK over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from segment.analytics import Client

from radar_ingest.domain.segment import message_event_id
from radar_schemas.topics import USAGE

from ..keys import ANALYTICS_KEY, DESK_KEY, bearer
from .support import Ingest, envelope, ingest_settings, make_app, records_by_id, running, served

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def settings(kafka_bootstrap: str) -> Any:
    return ingest_settings(kafka_bootstrap)


@pytest.fixture(scope="module")
def base_url(settings: Any) -> Iterator[str]:
    with served(make_app(settings)) as url:
        yield url


@pytest.fixture(scope="module")
async def ingest(settings: Any) -> AsyncIterator[Ingest]:
    async with running(settings) as service:
        yield service


def sdk(base_url: str, key: str, errors: list[Exception], **options: Any) -> Client:
    # The SDK appends /v1/batch to its host, as it does with api.segment.io.
    return Client(
        write_key=key,
        host=f"{base_url}/v1/segment",
        on_error=lambda error, _batch: errors.append(error),
        max_retries=1,
        **options,
    )


@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
async def test_segment_sdk_track_calls_become_usage_events(
    base_url: str, settings: Any, kafka_bootstrap: str, gzip: bool
) -> None:
    errors: list[Exception] = []
    client = sdk(base_url, ANALYTICS_KEY, errors, gzip=gzip)
    happened = datetime.now(UTC) - timedelta(hours=2)
    tag = "gz" if gzip else "plain"
    calls = [
        {
            "user_id": "u-1",
            "event": "Report Exported",
            "properties": {"quantity": 3, "feature": "reports"},
            "context": {"groupId": "acct-seg-1"},
            "timestamp": happened,
            "message_id": f"{tag}-m-1",
        },
        {
            "user_id": "u-2",
            "event": "apiCall",
            "properties": {"account_id": "acct-seg-2"},
            "message_id": f"{tag}-m-2",
        },
    ]

    def send() -> None:
        for call in calls:
            client.track(**call)
        client.identify("u-1", {"email": "u1@example.com"})
        client.group("u-1", "acct-seg-1", {"name": "Acme"})
        client.page("u-1", name="Pricing")
        client.track(**calls[0])  # an SDK retry of the same message
        client.flush()
        client.join()

    await asyncio.to_thread(send)

    assert errors == []
    ids = {str(message_event_id("analytics", c["message_id"])) for c in calls}
    found = await records_by_id(kafka_bootstrap, settings.topic(USAGE), ids)
    assert found.keys() == ids
    first = found[str(message_event_id("analytics", f"{tag}-m-1"))]
    assert first.key == b"acct-seg-1"
    event = envelope(first)
    assert event.type == "usage.recorded"
    assert event.source == "analytics"
    assert event.payload.model_dump() == {
        "metric": "report_exported",
        "quantity": 3.0,
        "user_id": "u-1",
        "feature": "reports",
    }
    # Clock-skew corrected as Segment does; the SDK's clock is this machine's.
    assert abs(event.occurred_at - happened) < timedelta(seconds=5)
    second = envelope(found[str(message_event_id("analytics", f"{tag}-m-2"))])
    assert second.account_id == "acct-seg-2"
    assert second.payload.model_dump()["metric"] == "api_call"
    assert second.payload.model_dump()["quantity"] == 1.0


async def test_segment_sdk_gets_401_for_an_unknown_write_key(base_url: str) -> None:
    errors: list[Exception] = []
    client = sdk(base_url, "rr_unknown", errors, sync_mode=True)
    with pytest.raises(Exception) as raised:
        await asyncio.to_thread(client.track, "u-1", "Logged In", {"account_id": "acct-1"})
    assert getattr(raised.value, "status", None) == 401


async def test_batch_answer_lists_ignored_and_rejected_calls(ingest: Ingest) -> None:
    batch = {
        "batch": [
            {"type": "identify", "userId": "u-1", "traits": {}},
            {"type": "track", "event": "Logged In", "context": {"groupId": "acct-9"}},
            {"type": "track", "event": "Logged In"},
            {"type": "track", "event": "!!!", "context": {"groupId": "acct-9"}},
            {"type": "track", "event": "Seats", "properties": {"account_id": "a", "quantity": -2}},
            {"type": "page", "name": "Home"},
            {"type": "screen", "name": "Home"},
        ],
        "sentAt": datetime.now(UTC).isoformat(),
    }
    response = await ingest.client.post("/v1/segment/batch", json=batch, auth=(ANALYTICS_KEY, ""))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True
    assert [a["index"] for a in body["accepted"]] == [1]
    assert body["ignored"] == [
        {"index": 0, "type": "identify"},
        {"index": 5, "type": "page"},
        {"index": 6, "type": "screen"},
    ]
    assert {r["index"]: r["details"][0]["field"] for r in body["rejected"]} == {
        2: "context.groupId",
        3: "event",
        4: "properties.quantity",
    }


async def test_batch_without_any_usable_call_is_422(ingest: Ingest) -> None:
    batch = {"batch": [{"type": "track", "event": "Logged In"}]}
    response = await ingest.client.post(
        "/v1/segment/batch", json=batch, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "batch[0].context.groupId"


async def test_single_track_route(ingest: Ingest, kafka_bootstrap: str) -> None:
    message = {
        "event": "Feature Used.Dashboards",
        "messageId": "single-1",
        "context": {"groupId": "acct-single"},
        "properties": {"quantity": 2.5},
    }
    response = await ingest.client.post("/v1/segment/track", json=message, auth=(ANALYTICS_KEY, ""))
    assert response.status_code == 200, response.text
    event_id = response.json()["event_id"]
    assert event_id == str(message_event_id("analytics", "single-1"))
    found = await records_by_id(kafka_bootstrap, ingest.topic(USAGE), [event_id])
    stored = envelope(found[event_id])
    assert stored.payload.model_dump()["metric"] == "feature_used.dashboards"
    assert stored.payload.model_dump()["quantity"] == 2.5


async def test_a_key_that_may_not_send_usage_is_403(ingest: Ingest) -> None:
    message = {"event": "Logged In", "context": {"groupId": "acct-1"}}
    response = await ingest.client.post("/v1/segment/track", json=message, auth=(DESK_KEY, ""))
    assert response.status_code == 403


async def test_missing_write_key_is_401(ingest: Ingest) -> None:
    response = await ingest.client.post("/v1/segment/batch", json={"batch": []})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_a_future_timestamp_without_sent_at_is_rejected(ingest: Ingest) -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    message = {"event": "Logged In", "context": {"groupId": "acct-1"}, "timestamp": future}
    response = await ingest.client.post("/v1/segment/track", json=message, auth=(ANALYTICS_KEY, ""))
    assert response.status_code == 422
    assert response.json()["details"][0]["field"] == "timestamp"
    assert "in the future" in response.json()["details"][0]["reason"]
