"""The Segment HTTP Tracking API over plain HTTP: keys, limits, per-message results, and
the answers the SDKs treat as final."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from radar_ingest.domain.segment import message_event_id
from radar_schemas.topics import USAGE

from ..keys import ANALYTICS_KEY, DESK_KEY, bearer
from .support import Ingest, envelope, ingest_settings, records_by_id, running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
async def ingest(kafka_bootstrap: str) -> AsyncIterator[Ingest]:
    async with running(ingest_settings(kafka_bootstrap)) as service:
        yield service


def track(**fields: Any) -> dict[str, Any]:
    return {"type": "track", "event": "Logged In", "context": {"groupId": "acct-9"}, **fields}


async def test_batch_answer_lists_each_message(ingest: Ingest) -> None:
    batch = {
        "batch": [
            {"type": "identify", "userId": "u-1", "traits": {"name": "Ann"}},
            track(messageId="b-1"),
            {"type": "track", "event": "Logged In"},
            track(event="!!!"),
            {"type": "track", "event": "Seats", "properties": {"account_id": "a", "quantity": -2}},
            {"type": "page", "name": "Home", "context": {"groupId": "acct-9"}},
            {"type": {}},
        ],
        "sentAt": datetime.now(UTC).isoformat(),
    }
    response = await ingest.client.post("/v1/batch", json=batch, auth=(ANALYTICS_KEY, ""))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is False
    assert [(a["index"], a["type"]) for a in body["accepted"]] == [(1, "track"), (5, "page")]
    assert body["accepted"][0]["event_id"] == str(message_event_id("analytics", "b-1"))
    assert {r["index"]: r["details"][0]["field"] for r in body["rejected"]} == {
        0: "context.groupId",  # identify: nothing says which account u-1 is in
        2: "context.groupId",
        3: "event",
        4: "properties.quantity",
        6: "type",
    }


async def test_when_every_message_fails_the_answer_is_final_for_the_sdks(ingest: Ingest) -> None:
    batch = {"batch": [{"type": "track", "event": "Logged In"}]}
    response = await ingest.client.post("/v1/batch", json=batch, headers=bearer(ANALYTICS_KEY))
    assert response.status_code == 422
    body = response.json()
    # The shared error body, and code/message at the top as both SDKs read them.
    assert body["error"]["code"] == body["code"] == "invalid"
    assert body["error"]["message"] == body["message"]
    assert body["error"]["details"][0]["field"] == "batch[0].context.groupId"
    assert body["rejected"][0]["index"] == 0


@pytest.mark.parametrize("call", ["track", "identify", "group", "page", "screen", "alias"])
async def test_each_call_has_its_own_route(ingest: Ingest, call: str) -> None:
    message = {
        "userId": "u-5",
        "event": "Logged In",
        "groupId": "acct-route",
        "previousId": "anon-5",
        "context": {"groupId": "acct-route"},
        "traits": {"email": "u5@example.com"},
    }
    for prefix in ("/v1", "/v1/segment", "/v1/segment/v1"):
        response = await ingest.client.post(
            f"{prefix}/{call}", json=message, auth=(ANALYTICS_KEY, "")
        )
        assert response.status_code == 200, (prefix, response.text)
        assert response.json()["accepted"][0]["type"] == call


async def test_the_write_key_may_come_in_the_body(ingest: Ingest, kafka_bootstrap: str) -> None:
    message = track(messageId="body-key-1", writeKey=ANALYTICS_KEY)
    response = await ingest.client.post("/v1/track", json=message)
    assert response.status_code == 200, response.text
    event_id = str(message_event_id("analytics", "body-key-1"))
    found = await records_by_id(kafka_bootstrap, ingest.topic(USAGE), [event_id])
    assert envelope(found[event_id]).source == "analytics"


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, 401),
        ({"auth": ("rr_unknown", "")}, 401),
        ({"headers": {"Authorization": "Bearer rr_unknown"}}, 401),
        ({"json_extra": {"writeKey": "rr_unknown"}}, 401),
    ],
)
async def test_missing_or_unknown_write_keys_are_401_with_code_and_message(
    ingest: Ingest, kwargs: dict[str, Any], status: int
) -> None:
    body = {"batch": [track()], **kwargs.pop("json_extra", {})}
    response = await ingest.client.post("/v1/batch", json=body, **kwargs)
    assert response.status_code == status
    assert response.json()["code"] == "unauthenticated"
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_a_write_key_that_is_not_a_string_is_422(ingest: Ingest) -> None:
    body = {"batch": [track()], "writeKey": {"nested": 1}}
    response = await ingest.client.post("/v1/batch", json=body)
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "writeKey", "reason": "must be a string: the API key"}
    ]


async def test_a_key_that_may_not_send_usage_is_403(ingest: Ingest) -> None:
    response = await ingest.client.post("/v1/track", json=track(), auth=(DESK_KEY, ""))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


async def test_sizes_as_segment_and_rudderstack_document_them(ingest: Ingest) -> None:
    auth = (ANALYTICS_KEY, "")
    big = track(properties={"blob": "x" * 33_000})
    single = await ingest.client.post("/v1/track", json=big, auth=auth)
    assert single.status_code == 413

    # 600 KB of 30 KB messages: over Segment's 500 KB, within RudderStack's 4 MB.
    messages = [track(properties={"blob": "x" * 30_000}) for _ in range(20)]
    segment = await ingest.client.post("/v1/segment/batch", json={"batch": messages}, auth=auth)
    root = await ingest.client.post("/v1/batch", json={"batch": messages}, auth=auth)
    assert segment.status_code == 413
    assert segment.json()["code"] == "payload_too_large"
    assert root.status_code == 200, root.text
    assert len(root.json()["accepted"]) == 20

    mixed = await ingest.client.post("/v1/batch", json={"batch": [big, track()]}, auth=auth)
    assert mixed.status_code == 200
    [rejected] = mixed.json()["rejected"]
    assert rejected["index"] == 0
    assert "at most 32768 bytes per message" in rejected["details"][0]["reason"]


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"batch": []}',
        b'{"batch": {}}',
        b'{"batch": [1], "sentAt": 5}',
        b'{"batch": [{}], "context": 3}',
    ],
)
async def test_malformed_batches_are_4xx_naming_the_field(ingest: Ingest, body: bytes) -> None:
    response = await ingest.client.post("/v1/batch", content=body, auth=(ANALYTICS_KEY, ""))
    assert 400 <= response.status_code < 500
    assert response.json()["error"]["details"]
    assert response.json()["code"]


async def test_a_future_timestamp_without_sent_at_is_rejected(ingest: Ingest) -> None:
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = await ingest.client.post(
        "/v1/track", content=json.dumps(track(timestamp=future)), auth=(ANALYTICS_KEY, "")
    )
    assert response.status_code == 422
    detail = response.json()["error"]["details"][0]
    assert detail["field"] == "timestamp"
    assert "in the future" in detail["reason"]
