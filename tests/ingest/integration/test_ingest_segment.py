"""The Segment HTTP Tracking API, driven by Segment's and RudderStack's own Python SDKs
over real HTTP, pointed at the ingest root as their defaults expect."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from rudderstack.analytics import Client as RudderClient
from segment.analytics import Client as SegmentClient

from radar_ingest.domain.segment import message_event_id
from radar_schemas import ContactIdentifiedEvent, UsageRecordedEvent
from radar_schemas.topics import CRM, USAGE

from ..keys import ANALYTICS_KEY, THROTTLED_KEY
from .support import envelope, ingest_settings, make_app, records_by_id, served

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(180)]


@pytest.fixture(scope="module")
def settings(kafka_bootstrap: str) -> Any:
    return ingest_settings(kafka_bootstrap)


@pytest.fixture(scope="module")
def base_url(settings: Any) -> Iterator[str]:
    with served(make_app(settings)) as url:
        yield url


def segment_sdk(url: str, key: str, errors: list[Exception], **options: Any) -> SegmentClient:
    return SegmentClient(
        write_key=key, host=url, on_error=lambda e, _batch: errors.append(e), **options
    )


def rudder_sdk(url: str, key: str, errors: list[Exception], **options: Any) -> RudderClient:
    return RudderClient(
        write_key=key, host=url, on_error=lambda e, _batch: errors.append(e), **options
    )


def requests_to(route: str) -> float:
    labels = {"route": route}
    return REGISTRY.get_sample_value("radar_ingest_request_seconds_count", labels) or 0.0


def every_call(client: Any, tag: str) -> dict[str, str]:
    """Every call type once, in an order that needs the earlier calls; the message ids."""
    ids = {
        call: f"{tag}-{call}" for call in ("group", "alias", "identify", "track", "page", "screen")
    }
    account = f"acct-{tag}"
    client.group(
        f"user-{tag}",
        f"org-{tag}",
        {"account_id": account, "name": "Acme", "plan": "enterprise"},
        message_id=ids["group"],
    )
    client.alias(f"anon-{tag}", f"user-{tag}", message_id=ids["alias"])
    client.identify(
        f"user-{tag}",
        {"name": "Jane Doe", "email": "jane@example.com", "role": "champion"},
        message_id=ids["identify"],
    )
    # No account named: the group call said where user-... belongs.
    client.track(f"user-{tag}", "Report Exported", {"quantity": 3}, message_id=ids["track"])
    # Only the anonymous id, aliased to the user above.
    client.page(anonymous_id=f"anon-{tag}", name="Pricing", message_id=ids["page"])
    client.screen(f"user-{tag}", name="Home", message_id=ids["screen"])
    client.flush()
    return ids


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
async def test_every_call_type_lands_where_the_readme_says(
    base_url: str, settings: Any, kafka_bootstrap: str, sdk: str
) -> None:
    errors: list[Exception] = []
    tag = f"{sdk}-{uuid.uuid4().hex[:6]}"
    make: Callable[..., Any] = segment_sdk if sdk == "segment" else rudder_sdk
    client = make(base_url, ANALYTICS_KEY, errors)
    ids = await asyncio.to_thread(every_call, client, tag)
    client.join()

    assert errors == []
    event_id = {call: str(message_event_id("analytics", m)) for call, m in ids.items()}
    usage_ids = [event_id[c] for c in ("track", "page", "screen")]
    usage = await records_by_id(kafka_bootstrap, settings.topic(USAGE), usage_ids)
    crm = await records_by_id(kafka_bootstrap, settings.topic(CRM), [event_id["identify"]])
    assert usage.keys() == set(usage_ids)
    events = {c: envelope(usage[event_id[c]]) for c in ("track", "page", "screen")}
    assert all(isinstance(e, UsageRecordedEvent) for e in events.values())
    # The group's account_id trait named the CRM account behind org-...
    assert {e.account_id for e in events.values()} == {f"acct-{tag}"}
    assert [events[c].payload.metric for c in ("track", "page", "screen")] == [  # type: ignore[attr-defined]
        "report_exported",
        "page.pricing",
        "screen.home",
    ]
    assert events["track"].payload.quantity == 3.0  # type: ignore[attr-defined]
    contact = envelope(crm[event_id["identify"]])
    # Who the person is; their role ("champion" in the traits) stays the CRM's word.
    assert isinstance(contact, ContactIdentifiedEvent)
    assert contact.account_id == f"acct-{tag}"
    assert contact.payload.model_dump() == {
        "contact_id": f"user-{tag}",
        "name": "Jane Doe",
        "email": "jane@example.com",
    }


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
async def test_a_wrong_write_key_fires_the_error_callback_once(base_url: str, sdk: str) -> None:
    errors: list[Exception] = []
    make: Callable[..., Any] = segment_sdk if sdk == "segment" else rudder_sdk
    client = make(base_url, "rr_not_a_key", errors)  # the SDK's default retries
    before = requests_to("/v1/batch")

    def send() -> None:
        client.track("u-1", "Logged In", {"account_id": "acct-1"})
        client.flush()

    await asyncio.to_thread(send)
    client.join()
    [error] = errors
    assert (error.status, error.code) == (401, "unauthenticated")  # type: ignore[attr-defined]
    assert error.message == "unknown API key"  # type: ignore[attr-defined]
    assert requests_to("/v1/batch") == before + 1  # refused for good, not retried


async def test_an_oversized_message_is_rejected_once(base_url: str) -> None:
    # RudderStack's SDK lets messages up to 4 MB through; the API takes 32 KB per message.
    errors: list[Exception] = []
    client = rudder_sdk(base_url, ANALYTICS_KEY, errors)
    before = requests_to("/v1/batch")

    def send() -> None:
        client.track("u-1", "Big", {"account_id": "acct-1", "blob": "x" * 40_000})
        client.flush()

    await asyncio.to_thread(send)
    client.join()
    [error] = errors
    assert (error.status, error.code) == (413, "payload_too_large")  # type: ignore[attr-defined]
    assert requests_to("/v1/batch") == before + 1


def test_segments_sdk_refuses_an_oversized_message_itself(base_url: str) -> None:
    client = segment_sdk(base_url, ANALYTICS_KEY, [], send=False)
    with pytest.raises(RuntimeError, match="exceeds"):
        client.track("u-1", "Big", {"account_id": "acct-1", "blob": "x" * 40_000})


@pytest.mark.parametrize("sdk", ["segment", "rudderstack"])
async def test_the_sdks_wait_out_a_quota_and_deliver_everything(
    base_url: str, settings: Any, kafka_bootstrap: str, sdk: str
) -> None:
    errors: list[Exception] = []
    make: Callable[..., Any] = segment_sdk if sdk == "segment" else rudder_sdk
    # Batches of two against a quota of two events a second in bursts of two.
    client = make(base_url, THROTTLED_KEY, errors, upload_size=2)
    throttled = (
        REGISTRY.get_sample_value("radar_ingest_throttled_events_total", {"source": "throttled"})
        or 0.0
    )
    tag = uuid.uuid4().hex[:6]
    message_ids = [f"{sdk}-{tag}-{n}" for n in range(6)]

    def send() -> None:
        for message_id in message_ids:
            client.track("u-1", "Logged In", {"account_id": "acct-q"}, message_id=message_id)
        client.flush()

    await asyncio.to_thread(send)
    client.join()
    assert errors == []
    ids = [str(message_event_id("throttled", m)) for m in message_ids]
    found = await records_by_id(kafka_bootstrap, settings.topic(USAGE), ids)
    assert found.keys() == set(ids)
    after = REGISTRY.get_sample_value(
        "radar_ingest_throttled_events_total", {"source": "throttled"}
    )
    assert after is not None and after > throttled


async def test_segment_paths_are_kept_as_aliases(
    base_url: str, settings: Any, kafka_bootstrap: str
) -> None:
    errors: list[Exception] = []
    client = segment_sdk(f"{base_url}/v1/segment", ANALYTICS_KEY, errors, gzip=True)
    happened = datetime.now(UTC) - timedelta(hours=2)

    def send() -> None:
        client.track(
            "u-1",
            "apiCall",
            {"account_id": "acct-alias"},
            timestamp=happened,
            message_id="alias-m-1",
        )
        client.flush()

    await asyncio.to_thread(send)
    client.join()
    assert errors == []
    event_id = str(message_event_id("analytics", "alias-m-1"))
    found = await records_by_id(kafka_bootstrap, settings.topic(USAGE), [event_id])
    event = envelope(found[event_id])
    assert event.account_id == "acct-alias"
    assert event.payload.metric == "api_call"  # type: ignore[attr-defined]
    # Clock-skew corrected as Segment does; the SDK's clock is this machine's.
    assert abs(event.occurred_at - happened) < timedelta(seconds=5)
