"""POST /v1/events/batch: items validated one by one, all accepted ones stored before 202."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner

from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import CRM, SUPPORT, USAGE

from ..keys import ANALYTICS_KEY, DESK_KEY, bearer
from .support import Ingest, envelope, ingest_settings, records_by_id, running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
async def ingest(kafka_bootstrap: str) -> AsyncIterator[Ingest]:
    async with running(ingest_settings(kafka_bootstrap)) as service:
        yield service


def event(event_type: str, **changes: Any) -> dict[str, Any]:
    item = copy.deepcopy(EXAMPLES[event_type])
    item["event_id"] = str(uuid.uuid4())
    item.update(changes)
    return item


def logins(quantity: int) -> dict[str, Any]:
    return {"metric": "logins", "quantity": quantity}


async def test_a_valid_batch_is_stored_whole(ingest: Ingest, kafka_bootstrap: str) -> None:
    items = [
        event(
            "usage.recorded",
            account_id=f"acct-{i % 4}",
            payload={"metric": "logins", "quantity": i},
        )
        for i in range(300)
    ] + [event("account.upserted", account_id="acct-crm")]

    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(ANALYTICS_KEY)
    )

    assert response.status_code == 202, response.text
    body = response.json()
    assert body["rejected"] == []
    assert [a["index"] for a in body["accepted"]] == list(range(301))
    assert [a["event_id"] for a in body["accepted"]] == [i["event_id"] for i in items]
    usage_ids = [i["event_id"] for i in items[:300]]
    found = await records_by_id(kafka_bootstrap, ingest.topic(USAGE), usage_ids)
    assert found.keys() == set(usage_ids)
    for item in items[:300]:
        record = found[item["event_id"]]
        assert record.key == item["account_id"].encode()
        # The partition any Kafka producer would choose for the key (3 in these tests).
        assert record.partition == DefaultPartitioner()(record.key, [0, 1, 2], [0, 1, 2])
        stored = envelope(record)
        assert stored.source == "analytics"
        assert stored.received_at is not None
        assert stored.payload.model_dump(exclude_none=True) == {
            "metric": "logins",
            "quantity": float(item["payload"]["quantity"]),
        }
    crm = await records_by_id(kafka_bootstrap, ingest.topic(CRM), [items[300]["event_id"]])
    assert envelope(crm[items[300]["event_id"]]).type == "account.upserted"


async def test_invalid_items_are_listed_by_index_and_the_rest_stored(
    ingest: Ingest, kafka_bootstrap: str
) -> None:
    good = [event("ticket.opened"), event("csat.submitted"), event("ticket.closed")]
    items = [
        good[0],
        event("csat.submitted", payload={"ticket_id": "T-1", "score": 0}),
        good[1],
        event("ticket.opened", type="ticket.teleported"),
        "not an object",
        event("usage.recorded"),  # the desk key may not send usage
        good[2],
    ]

    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(DESK_KEY)
    )

    assert response.status_code == 202, response.text
    body = response.json()
    assert [(a["index"], a["event_id"]) for a in body["accepted"]] == [
        (0, good[0]["event_id"]),
        (2, good[1]["event_id"]),
        (6, good[2]["event_id"]),
    ]
    rejected = {r["index"]: r["details"] for r in body["rejected"]}
    assert rejected.keys() == {1, 3, 4, 5}
    assert rejected[1] == [
        {"field": "payload.score", "reason": "must be greater than or equal to 1"}
    ]
    assert rejected[3][0]["field"] == "type"
    assert "unknown event type 'ticket.teleported'" in rejected[3][0]["reason"]
    assert rejected[4] == [
        {"field": "(root)", "reason": "must be a valid dictionary or object to extract fields from"}
    ]
    assert rejected[5][0]["field"] == "type"
    assert "may not send usage.recorded" in rejected[5][0]["reason"]
    ids = [g["event_id"] for g in good]
    found = await records_by_id(kafka_bootstrap, ingest.topic(SUPPORT), ids)
    assert found.keys() == set(ids)
    assert {envelope(r).source for r in found.values()} == {"desk"}


async def test_a_batch_with_no_valid_item_is_422_with_full_paths(ingest: Ingest) -> None:
    items = [event("usage.recorded", payload={"metric": "Bad Metric", "quantity": -1}), {}]
    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 422
    body = response.json()
    assert body["error"]["message"] == "no valid event in the batch"
    fields = [d["field"] for d in body["error"]["details"]]
    assert "events[0].payload.metric" in fields
    assert "events[0].payload.quantity" in fields
    assert "events[1].type" in fields
    assert [r["index"] for r in body["rejected"]] == [0, 1]


async def test_a_batch_only_of_forbidden_types_is_403(ingest: Ingest) -> None:
    items = [event("usage.recorded"), event("account.upserted")]
    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(DESK_KEY)
    )
    assert response.status_code == 403
    assert [r["index"] for r in response.json()["rejected"]] == [0, 1]


async def test_more_than_1000_events_is_422(ingest: Ingest) -> None:
    small = {"type": "usage.recorded"}  # the count is refused before any item matters
    response = await ingest.client.post(
        "/v1/events/batch", json={"events": [small] * 1001}, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "events", "reason": "at most 1000 events per batch, got 1001"}
    ]


async def test_exactly_1000_events_are_accepted(ingest: Ingest) -> None:
    items = [event("engagement.logged", account_id=f"acct-{i}") for i in range(1000)]
    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 202
    assert len(response.json()["accepted"]) == 1000


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b'{"events": [', 400),
        (b"[]", 422),
        (b'{"events": []}', 422),
        (b'{"events": {}}', 422),
        (b'{"items": []}', 422),
    ],
)
async def test_malformed_batches(ingest: Ingest, body: bytes, status: int) -> None:
    response = await ingest.client.post(
        "/v1/events/batch", content=body, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == status
    assert response.json()["error"]["details"]


async def test_batch_over_1_mib_is_413(ingest: Ingest) -> None:
    padding = "x" * 1900
    items = [
        event("ticket.opened", payload={**EXAMPLES["ticket.opened"]["payload"], "subject": padding})
        for _ in range(600)
    ]
    response = await ingest.client.post(
        "/v1/events/batch", json={"events": items}, headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 413


async def test_items_without_ids_get_the_same_ids_when_the_batch_is_resent(
    ingest: Ingest,
) -> None:
    items = [{k: v for k, v in event("usage.recorded").items() if k != "event_id"}] * 3
    body = {"events": items}
    first = await ingest.client.post("/v1/events/batch", json=body, headers=bearer(ANALYTICS_KEY))
    again = await ingest.client.post("/v1/events/batch", json=body, headers=bearer(ANALYTICS_KEY))
    ids = [a["event_id"] for a in first.json()["accepted"]]
    assert ids == [a["event_id"] for a in again.json()["accepted"]]
    assert len(set(ids)) == 3  # identical items in one batch are still three events
