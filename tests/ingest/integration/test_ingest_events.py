"""POST /v1/events through the real broker: what lands on the topic, and every refusal."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from radar_ingest.domain.admission import idempotent_id
from radar_ingest.domain.auth import sign
from radar_ingest.domain.catalog import INGEST_TYPES
from radar_runtime import ManualClock
from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import CRM, SUPPORT, USAGE

from ..keys import ANALYTICS_KEY, DESK_KEY, SIGNED_KEY, SIGNING_SECRET, bearer
from .support import Ingest, envelope, ingest_settings, records_by_id, running

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
MIB = 1024 * 1024


@pytest.fixture(scope="module")
async def ingest(kafka_bootstrap: str) -> AsyncIterator[Ingest]:
    async with running(ingest_settings(kafka_bootstrap), ManualClock(NOW)) as service:
        yield service


def example(event_type: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES[event_type])
    event.update(changes)
    return event


def without_id(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k != "event_id"}


def counted(event_type: str, outcome: str) -> float:
    labels = {"type": event_type, "outcome": outcome}
    return REGISTRY.get_sample_value("radar_ingest_events_total", labels) or 0.0


async def test_an_event_is_on_its_topic_keyed_by_account_with_source_from_the_key(
    ingest: Ingest, kafka_bootstrap: str
) -> None:
    sent = example(
        "ticket.opened",
        event_id=str(uuid.uuid4()),
        account_id="acct-7",
        source="forged-by-the-body",
        received_at="2020-01-01T00:00:00Z",
    )
    before = counted("ticket.opened", "accepted")

    response = await ingest.client.post("/v1/events", json=sent, headers=bearer(DESK_KEY))

    assert response.status_code == 202, response.text
    assert response.json() == {"event_id": sent["event_id"], "topic": ingest.topic(SUPPORT)}
    found = await records_by_id(kafka_bootstrap, ingest.topic(SUPPORT), [sent["event_id"]])
    record = found[sent["event_id"]]
    assert record.key == b"acct-7"
    event = envelope(record)
    assert event.type == "ticket.opened"
    assert event.source == "desk"
    assert event.received_at == NOW
    assert event.account_id == "acct-7"
    assert event.occurred_at == datetime(2025, 3, 3, 9, 15, tzinfo=UTC)
    assert event.payload.model_dump() == sent["payload"]
    assert counted("ticket.opened", "accepted") == before + 1


async def test_each_type_goes_to_its_raw_topic(ingest: Ingest, kafka_bootstrap: str) -> None:
    topics = {"usage.recorded": USAGE, "csat.submitted": SUPPORT, "account.upserted": CRM}
    ids = {}
    for event_type, topic in topics.items():
        response = await ingest.client.post(
            "/v1/events", json=without_id(example(event_type)), headers=bearer(ANALYTICS_KEY)
        )
        assert response.status_code == 202, response.text
        assert response.json()["topic"] == ingest.topic(topic)
        ids[response.json()["event_id"]] = topic
    for event_id, topic in ids.items():
        found = await records_by_id(kafka_bootstrap, ingest.topic(topic), [event_id])
        assert envelope(found[event_id]).source == "analytics"


async def test_an_event_without_id_gets_one_derived_from_the_request(ingest: Ingest) -> None:
    event = without_id(example("usage.recorded"))
    first = await ingest.client.post("/v1/events", json=event, headers=bearer(ANALYTICS_KEY))
    resent = await ingest.client.post("/v1/events", json=event, headers=bearer(ANALYTICS_KEY))
    other = await ingest.client.post(
        "/v1/events", json={**event, "account_id": "acct-other"}, headers=bearer(ANALYTICS_KEY)
    )
    assert first.status_code == resent.status_code == other.status_code == 202
    # A resend of the same request is the same event, deduplicated downstream.
    assert first.json()["event_id"] == resent.json()["event_id"]
    assert other.json()["event_id"] != first.json()["event_id"]
    assert uuid.UUID(first.json()["event_id"]).version == 5


async def test_idempotency_key_gives_the_same_id_on_retry(
    ingest: Ingest, kafka_bootstrap: str
) -> None:
    event = without_id(example("usage.recorded"))
    headers = {**bearer(ANALYTICS_KEY), "Idempotency-Key": "order-42-retry-safe"}
    first = await ingest.client.post("/v1/events", json=event, headers=headers)
    again = await ingest.client.post("/v1/events", json=event, headers=headers)

    expected = str(idempotent_id("analytics", "order-42-retry-safe"))
    assert first.status_code == again.status_code == 202
    assert first.json()["event_id"] == again.json()["event_id"] == expected
    found = await records_by_id(kafka_bootstrap, ingest.topic(USAGE), [expected])
    assert envelope(found[expected]).event_id == uuid.UUID(expected)


async def test_an_event_id_in_the_body_wins_over_the_idempotency_key(ingest: Ingest) -> None:
    event = example("usage.recorded", event_id=str(uuid.uuid4()))
    headers = {**bearer(ANALYTICS_KEY), "Idempotency-Key": "ignored-here"}
    response = await ingest.client.post("/v1/events", json=event, headers=headers)
    assert response.json()["event_id"] == event["event_id"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer "}, {"Authorization": "Basic cnJfdGVzdDo="}],
    ids=["no header", "empty bearer", "basic is not for this route"],
)
async def test_missing_key_is_401(ingest: Ingest, headers: dict[str, str]) -> None:
    response = await ingest.client.post(
        "/v1/events", json=example("usage.recorded"), headers=headers
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "missing API key" in response.json()["error"]["message"]


async def test_unknown_key_is_401(ingest: Ingest) -> None:
    response = await ingest.client.post(
        "/v1/events", json=example("usage.recorded"), headers=bearer("rr_not_a_key")
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "code": "unauthenticated",
            "message": "unknown API key",
            "details": [{"field": "Authorization", "reason": "unknown API key"}],
        }
    }


async def test_type_outside_the_keys_prefixes_is_403(ingest: Ingest) -> None:
    before = counted("usage.recorded", "forbidden")
    response = await ingest.client.post(
        "/v1/events", json=example("usage.recorded"), headers=bearer(DESK_KEY)
    )
    assert response.status_code == 403
    body = response.json()
    assert body["error"]["details"] == [
        {
            "field": "type",
            "reason": "source 'desk' may not send usage.recorded (allowed: ticket., csat.)",
        }
    ]
    assert counted("usage.recorded", "forbidden") == before + 1


async def test_unknown_type_is_422_naming_the_valid_types(ingest: Ingest) -> None:
    response = await ingest.client.post(
        "/v1/events",
        json=example("usage.recorded", type="usage.guessed"),
        headers=bearer(ANALYTICS_KEY),
    )
    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert detail["field"] == "type"
    assert "unknown event type 'usage.guessed'" in detail["reason"]
    assert detail["reason"].endswith("valid types: " + ", ".join(INGEST_TYPES))


async def test_derived_types_are_not_accepted_from_sources(ingest: Ingest) -> None:
    response = await ingest.client.post(
        "/v1/events", json=EXAMPLES["alert.raised"], headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 422
    assert "unknown event type 'alert.raised'" in response.json()["error"]["details"][0]["reason"]


async def test_occurred_at_more_than_five_minutes_ahead_is_422(ingest: Ingest) -> None:
    def at(moment: datetime) -> dict[str, Any]:
        return without_id(example("usage.recorded", occurred_at=moment.isoformat()))

    late_enough = await ingest.client.post(
        "/v1/events", json=at(NOW + timedelta(seconds=299)), headers=bearer(ANALYTICS_KEY)
    )
    too_far = await ingest.client.post(
        "/v1/events", json=at(NOW + timedelta(seconds=301)), headers=bearer(ANALYTICS_KEY)
    )
    assert late_enough.status_code == 202
    assert too_far.status_code == 422
    assert too_far.json()["error"]["details"] == [
        {
            "field": "occurred_at",
            "reason": "is 301 s in the future; at most 300 s ahead is accepted",
        }
    ]


async def test_invalid_payload_is_422_with_field_paths(ingest: Ingest) -> None:
    event = example("csat.submitted", payload={"ticket_id": "T-1", "score": 9, "extra": 1})
    del event["occurred_at"]
    response = await ingest.client.post("/v1/events", json=event, headers=bearer(DESK_KEY))
    assert response.status_code == 422
    fields = {d["field"]: d["reason"] for d in response.json()["error"]["details"]}
    assert fields["occurred_at"] == "field required"
    assert fields["payload.score"] == "must be less than or equal to 5"
    assert fields["payload.extra"] == "unknown field, not part of contract v1"


@pytest.mark.parametrize("body", [b"{", b"", b"\xff\xfe", b'{"type": "usage.recorded",}'])
async def test_malformed_json_is_400(ingest: Ingest, body: bytes) -> None:
    response = await ingest.client.post("/v1/events", content=body, headers=bearer(ANALYTICS_KEY))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "malformed JSON"
    assert response.json()["error"]["details"][0]["field"] == "(root)"


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b"null"])
async def test_json_that_is_not_an_object_is_422(ingest: Ingest, body: bytes) -> None:
    response = await ingest.client.post("/v1/events", content=body, headers=bearer(ANALYTICS_KEY))
    assert response.status_code == 422


async def test_declared_oversize_body_is_413_before_reading(ingest: Ingest) -> None:
    body = b"x" * (MIB + 1)
    response = await ingest.client.post("/v1/events", content=body, headers=bearer(ANALYTICS_KEY))
    assert response.status_code == 413
    assert response.json()["error"]["message"] == f"request body larger than {MIB} bytes"


async def test_chunked_body_without_length_stops_at_the_limit(ingest: Ingest) -> None:
    pulled = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal pulled
        chunk = b" " * 65536
        for _ in range(10_000):  # 640 MiB if nobody stopped reading
            pulled += len(chunk)
            yield chunk

    response = await ingest.client.post(
        "/v1/events", content=endless(), headers=bearer(ANALYTICS_KEY)
    )
    assert response.status_code == 413
    assert MIB < pulled <= MIB + 65536  # read up to the limit, not a byte of chunk more


async def test_gzip_body_is_accepted_and_limited_after_inflating(ingest: Ingest) -> None:
    headers = {**bearer(ANALYTICS_KEY), "Content-Encoding": "gzip"}
    event = json.dumps(without_id(example("usage.recorded"))).encode()
    accepted = await ingest.client.post("/v1/events", content=gzip.compress(event), headers=headers)
    bomb = gzip.compress(b" " * (8 * MIB))  # ~8 KiB on the wire
    refused = await ingest.client.post("/v1/events", content=bomb, headers=headers)
    broken = await ingest.client.post("/v1/events", content=b"not gzip", headers=headers)
    assert accepted.status_code == 202
    assert refused.status_code == 413
    assert broken.status_code == 400


async def test_signed_key_accepts_a_valid_signature(ingest: Ingest, kafka_bootstrap: str) -> None:
    body = json.dumps(without_id(example("usage.recorded"))).encode()
    headers = {
        **bearer(SIGNED_KEY),
        "X-Radar-Signature": sign(SIGNING_SECRET.encode(), body, int(NOW.timestamp()) - 10),
    }
    response = await ingest.client.post("/v1/events", content=body, headers=headers)
    assert response.status_code == 202, response.text
    event_id = response.json()["event_id"]
    found = await records_by_id(kafka_bootstrap, ingest.topic(USAGE), [event_id])
    assert envelope(found[event_id]).source == "webhook"


@pytest.mark.parametrize(
    ("signature", "reason"),
    [
        (None, "X-Radar-Signature missing"),
        ("garbage", "must look like t=<unix seconds>,v1=<hex>"),
        ("wrong-secret", "signature does not match the body"),
        ("other-body", "signature does not match the body"),
        ("expired", "outside the 300 s tolerance"),
        ("future", "outside the 300 s tolerance"),
    ],
)
async def test_signed_key_refuses_bad_signatures(
    ingest: Ingest, signature: str | None, reason: str
) -> None:
    body = json.dumps(without_id(example("usage.recorded"))).encode()
    now = int(NOW.timestamp())
    secret = SIGNING_SECRET.encode()
    values = {
        "garbage": "garbage",
        "wrong-secret": sign(b"not-the-secret", body, now),
        "other-body": sign(secret, body + b" ", now),
        "expired": sign(secret, body, now - 301),
        "future": sign(secret, body, now + 301),
    }
    headers = bearer(SIGNED_KEY)
    if signature is not None:
        headers["X-Radar-Signature"] = values[signature]
    response = await ingest.client.post("/v1/events", content=body, headers=headers)
    assert response.status_code == 401
    assert reason in response.json()["error"]["message"]


async def test_event_types_lists_each_type_with_schema_and_valid_example(ingest: Ingest) -> None:
    response = await ingest.client.get("/v1/event-types")
    assert response.status_code == 200
    catalog = response.json()
    assert [entry["type"] for entry in catalog] == list(INGEST_TYPES)
    for entry in catalog:
        assert entry["schema"]["properties"]["type"]["const"] == entry["type"]
        posted = await ingest.client.post(
            "/v1/events", json=without_id(entry["example"]), headers=bearer(ANALYTICS_KEY)
        )
        assert posted.status_code == 202, (entry["type"], posted.text)


async def test_openapi_documents_the_routes_bodies_and_auth(ingest: Ingest) -> None:
    schema = (await ingest.client.get("/openapi.json")).json()
    post_event = schema["paths"]["/v1/events"]["post"]
    body_schema = post_event["requestBody"]["content"]["application/json"]["schema"]
    assert body_schema == {"$ref": "#/components/schemas/IngestEvent"}
    assert "UsageRecordedEvent" in schema["components"]["schemas"]
    assert post_event["security"] == [{"apiKey": []}]
    assert {"202", "400", "401", "403", "413", "422", "503"} <= post_event["responses"].keys()
    assert (await ingest.client.get("/docs")).status_code == 200


async def test_metrics_expose_counts_and_durations(ingest: Ingest) -> None:
    await ingest.client.post("/v1/events", json=example("usage.recorded"), headers=bearer(DESK_KEY))
    text = (await ingest.client.get("/metrics")).text
    assert 'radar_ingest_events_total{outcome="forbidden",type="usage.recorded"}' in text
    assert 'radar_ingest_request_seconds_count{route="/v1/events"}' in text
    assert "radar_ingest_produce_seconds_count" in text


async def test_readyz_is_true_with_the_broker_up(ingest: Ingest) -> None:
    response = await ingest.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] is True


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"occurred_at": "1989-12-31T23:59:59Z"}, "occurred_at"),
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "occurred_at"),
        ({"account_id": "a\u0000b"}, "account_id"),
        ({"payload": {"metric": "logins", "quantity": 1, "user_id": "u\u0000"}}, "payload.user_id"),
        ({"payload": {"metric": "logins", "quantity": 1e300}}, "payload.quantity"),
    ],
)
async def test_what_a_consumer_could_not_apply_is_422_naming_the_field(
    ingest: Ingest, changes: dict[str, Any], field: str
) -> None:
    event = example("usage.recorded", **changes)
    response = await ingest.client.post("/v1/events", json=event, headers=bearer(ANALYTICS_KEY))
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]


async def test_a_replayed_signed_request_is_the_same_event(ingest: Ingest) -> None:
    body = json.dumps(without_id(example("usage.recorded"))).encode()
    headers = {
        **bearer(SIGNED_KEY),
        "X-Radar-Signature": sign(SIGNING_SECRET.encode(), body, int(NOW.timestamp())),
    }
    first = await ingest.client.post("/v1/events", content=body, headers=headers)
    replayed = await ingest.client.post("/v1/events", content=body, headers=headers)
    assert first.status_code == replayed.status_code == 202
    assert first.json()["event_id"] == replayed.json()["event_id"]


async def test_a_huge_signature_timestamp_is_401_naming_the_header(ingest: Ingest) -> None:
    headers = {**bearer(SIGNED_KEY), "X-Radar-Signature": f"t={'9' * 400},v1={'a' * 64}"}
    response = await ingest.client.post(
        "/v1/events", json=example("usage.recorded"), headers=headers
    )
    assert response.status_code == 401
    assert response.json()["error"]["details"][0]["field"] == "X-Radar-Signature"


async def test_unknown_paths_and_methods_answer_the_shared_error_body(ingest: Ingest) -> None:
    missing = await ingest.client.get("/v1/nothing-here?q=1")
    controlled = await ingest.client.get("/v1/nothing%00here?q=%00")
    wrong = await ingest.client.get("/v1/events")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    # A control character is refused before any route is looked up, naming where it is.
    assert controlled.status_code == 422
    assert controlled.json()["error"]["details"][0]["field"] == "path"
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"
