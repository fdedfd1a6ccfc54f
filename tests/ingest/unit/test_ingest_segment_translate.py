"""Segment messages -> contract events and identity facts, as pure functions."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radar_ingest.domain.identities import Directory, IdentityFact
from radar_ingest.domain.segment import (
    Rejected,
    Translated,
    Translator,
    call_of,
    message_event_id,
    normalise_metric,
    occurred_at,
)
from radar_schemas import ContactIdentifiedEvent, UsageRecordedEvent
from radar_schemas.common import METRIC_PATTERN

RECEIVED = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
FALLBACK_ID = uuid.UUID("00000000-0000-5000-8000-000000000001")


def translate(
    message: Any,
    *,
    source: str = "analytics",
    directory: Directory | None = None,
    default_call: str | None = None,
    **options: Any,
) -> Translated:
    translator = Translator(
        directory if directory is not None else Directory(),
        source=source,
        received_at=RECEIVED,
        **options,
    )
    return translator.translate(message, call_of(message, default_call), FALLBACK_ID)


def track(**fields: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "type": "track",
        "event": "Report Exported",
        "messageId": "m-1",
        "context": {"groupId": "acct-1"},
    }
    message.update(fields)
    return message


def usage(message: Any, **options: Any) -> UsageRecordedEvent:
    result = translate(message, **options)
    assert isinstance(result, UsageRecordedEvent)
    return result


def rejection(message: Any, **options: Any) -> list[dict[str, str]]:
    with pytest.raises(Rejected) as raised:
        translate(message, **options)
    return raised.value.details


@pytest.mark.parametrize(
    ("name", "metric"),
    [
        ("Report Exported", "report_exported"),
        ("logins", "logins"),
        ("active_users", "active_users"),
        ("apiCall", "api_call"),
        ("API Call", "api_call"),
        ("Feature Used.Reports", "feature_used.reports"),
        ("feature.reports", "feature.reports"),
        ("  Signed  Up!! ", "signed_up"),
        ("Café Visited", "cafe_visited"),
        ("2FA Enabled", "event_2fa_enabled"),
        ("a..b", "a.b"),
        ("x-y", "x_y"),
        ("!!!", None),
        ("", None),
        ("...", None),
    ],
)
def test_event_names_become_metrics(name: str, metric: str | None) -> None:
    assert normalise_metric(name) == metric


@given(st.text(max_size=300))
def test_every_normalised_metric_matches_the_contract_pattern(name: str) -> None:
    metric = normalise_metric(name)
    if metric is not None:
        assert re.fullmatch(METRIC_PATTERN, metric)
        assert len(metric) <= 128


def test_a_track_call_becomes_usage_recorded() -> None:
    event = usage(
        track(userId="u-9", properties={"quantity": 4, "feature": "reports", "plan": "pro"})
    )
    assert event.account_id == "acct-1"
    assert event.source == "analytics"
    assert event.received_at == RECEIVED
    assert event.payload.metric == "report_exported"
    assert event.payload.quantity == 4.0
    assert event.payload.user_id == "u-9"
    assert event.payload.feature == "reports"


def test_properties_metric_overrides_the_event_name() -> None:
    assert (
        usage(track(properties={"metric": "feature.reports"})).payload.metric == "feature.reports"
    )


def test_account_falls_back_to_properties_account_id() -> None:
    event = usage(track(context={}, properties={"account_id": "acct-2"}))
    assert event.account_id == "acct-2"


def test_batch_context_supplies_the_group() -> None:
    event = usage(track(context=None), batch_context={"groupId": "acct-batch"})
    assert event.account_id == "acct-batch"


def test_quantity_defaults_to_one() -> None:
    assert usage(track()).payload.quantity == 1.0
    assert usage(track(properties={"quantity": None})).payload.quantity == 1.0


@pytest.mark.parametrize("quantity", [-1, "3", True, float("nan"), float("inf"), [1]])
def test_bad_quantities_are_rejected(quantity: Any) -> None:
    [detail] = rejection(track(properties={"quantity": quantity}))
    assert detail["field"] == "properties.quantity"


def test_missing_account_is_rejected_naming_every_way_to_give_it() -> None:
    [detail] = rejection(track(context={}))
    assert detail == {
        "field": "context.groupId",
        "reason": "no account: set context.groupId or properties.account_id, "
        "or send a group call for this user first",
    }


def test_too_long_account_is_reported_on_the_segment_field() -> None:
    [detail] = rejection(track(context={"groupId": "a" * 200}))
    assert detail["field"] == "context.groupId"


@pytest.mark.parametrize("event", [None, "", "   ", 7])
def test_missing_event_name_is_rejected(event: Any) -> None:
    assert rejection(track(event=event))[0]["field"] == "event"


@pytest.mark.parametrize(
    "message",
    [{"type": "teleport"}, {"event": "x"}, [], "track", {"type": {}}, {"type": ["track"]}],
)
def test_unsupported_messages_are_rejected_on_their_type(message: Any) -> None:
    [detail] = rejection(message)
    assert detail["field"] in ("type", "(root)")


@pytest.mark.parametrize(
    ("call", "name", "metric"),
    [
        ("page", "Pricing", "page.pricing"),
        ("screen", "Home Screen", "screen.home_screen"),
        ("page", None, "page"),
        ("screen", "!!!", "screen"),
    ],
)
def test_page_and_screen_calls_become_usage_with_a_view_metric(
    call: str, name: str | None, metric: str
) -> None:
    event = usage({"type": call, "name": name, "userId": "u-1", "context": {"groupId": "acct-1"}})
    assert event.payload.metric == metric
    assert event.payload.quantity == 1.0
    assert event.payload.user_id == "u-1"


def test_identify_names_a_contact_and_leaves_their_role_to_the_crm() -> None:
    message = {
        "type": "identify",
        "userId": "c-11",
        "traits": {"firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"},
        "context": {"groupId": "acct-1"},
    }
    event = translate(message)
    assert isinstance(event, ContactIdentifiedEvent)
    assert event.account_id == "acct-1"
    assert event.payload.model_dump() == {
        "contact_id": "c-11",
        "name": "Jane Doe",
        "email": "jane@example.com",
    }
    champion = {**message, "traits": {"name": "Jane Doe", "role": "champion"}}
    assert translate(champion).payload.model_dump() == {
        "contact_id": "c-11",
        "name": "Jane Doe",
        "email": None,
    }


def test_identify_reads_rudderstacks_traits_in_the_context() -> None:
    message = {
        "type": "identify",
        "userId": "c-12",
        "context": {"groupId": "acct-1", "traits": {"name": "Ann Lee", "email": "ann@example.com"}},
    }
    event = translate(message)
    assert isinstance(event, ContactIdentifiedEvent)
    assert (event.payload.name, event.payload.email) == ("Ann Lee", "ann@example.com")


def test_a_bad_email_in_identify_is_rejected_on_its_trait() -> None:
    message = {
        "type": "identify",
        "userId": "c-12",
        "traits": {"email": "not an email"},
        "context": {"groupId": "acct-1"},
    }
    assert rejection(message)[0]["field"] == "traits.email"


def test_group_and_alias_become_identity_facts_that_resolve_later_calls() -> None:
    directory = Directory()
    group = {"type": "group", "userId": "u-1", "groupId": "org-7", "traits": {"account_id": "acme"}}
    facts = translate(group, directory=directory)
    assert facts == (
        IdentityFact("member", "analytics", "u-1", "org-7"),
        IdentityFact("group", "analytics", "org-7", "acme"),
    )
    alias = translate({"type": "alias", "previousId": "anon-3", "userId": "u-1"})
    assert alias == (IdentityFact("alias", "analytics", "anon-3", "u-1"),)
    for fact in (*facts, *alias):  # type: ignore[misc]
        directory.learn(fact)

    by_user = usage({"type": "track", "event": "Login", "userId": "u-1"}, directory=directory)
    by_anonymous = usage({"type": "page", "anonymousId": "anon-3"}, directory=directory)
    by_group = usage(
        {"type": "track", "event": "Login", "context": {"groupId": "org-7"}}, directory=directory
    )
    assert by_user.account_id == by_anonymous.account_id == by_group.account_id == "acme"
    # Another source's users are another namespace.
    assert rejection({"type": "track", "event": "Login", "userId": "u-1"}, source="other")


def test_a_malformed_account_id_is_rejected_even_when_the_group_names_the_account() -> None:
    directory = Directory()
    directory.learn(IdentityFact("group", "analytics", "org-7", "acme"))
    message = track(context={"groupId": "org-7"}, properties={"account_id": ["acme"]})
    assert rejection(message, directory=directory)[0]["field"] == "properties.account_id"


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "group", "userId": "u-1"}, "groupId"),
        ({"type": "group", "groupId": "g"}, "userId"),
        ({"type": "alias", "userId": "u-1"}, "previousId"),
        ({"type": "alias", "previousId": {}, "userId": "u"}, "previousId"),
    ],
)
def test_incomplete_identity_calls_are_rejected_on_their_field(
    message: dict[str, Any], field: str
) -> None:
    assert rejection(message)[0]["field"] == field


def test_single_track_route_may_omit_the_type() -> None:
    message = track()
    del message["type"]
    assert isinstance(usage(message, default_call="track"), UsageRecordedEvent)


def test_event_id_is_uuid5_of_source_and_message_id() -> None:
    first = usage(track(messageId="abc"))
    retried = usage(track(messageId="abc"))
    other_source = translate(track(messageId="abc"), source="other")
    assert first.event_id == retried.event_id == message_event_id("analytics", "abc")
    assert first.event_id.version == 5
    assert isinstance(other_source, UsageRecordedEvent)
    assert other_source.event_id != first.event_id


def test_without_message_id_the_request_derived_id_is_used() -> None:
    assert usage(track(messageId=None)).event_id == FALLBACK_ID


def at(offset_seconds: float) -> str:
    return (RECEIVED + timedelta(seconds=offset_seconds)).isoformat()


def test_without_any_timestamp_the_receive_time_is_used() -> None:
    assert occurred_at({}, received_at=RECEIVED) == RECEIVED


def test_a_timestamp_without_sent_at_is_taken_as_is() -> None:
    assert occurred_at({"timestamp": at(-3600)}, received_at=RECEIVED) == RECEIVED - timedelta(
        hours=1
    )


def test_client_clock_skew_is_corrected_with_sent_at() -> None:
    # The device clock runs 10 minutes fast: it says the event happened at 12:09 and was
    # sent at 12:10, but the server received it at 12:00 -> it happened at 11:59.
    message = {"timestamp": at(540), "sentAt": at(600)}
    assert occurred_at(message, received_at=RECEIVED) == RECEIVED - timedelta(seconds=60)


def test_the_batch_sent_at_applies_when_the_message_has_none() -> None:
    batch_sent = RECEIVED + timedelta(seconds=600)
    result = occurred_at({"timestamp": at(540)}, received_at=RECEIVED, batch_sent_at=batch_sent)
    assert result == RECEIVED - timedelta(seconds=60)


def test_original_timestamp_is_the_fallback_reading() -> None:
    message = {"originalTimestamp": at(-120), "sentAt": at(0)}
    assert occurred_at(message, received_at=RECEIVED) == RECEIVED - timedelta(seconds=120)


def test_naive_times_are_utc() -> None:
    assert occurred_at({"timestamp": "2025-03-03T11:00:00"}, received_at=RECEIVED) == datetime(
        2025, 3, 3, 11, tzinfo=UTC
    )


@pytest.mark.parametrize("field", ["timestamp", "originalTimestamp", "sentAt"])
@pytest.mark.parametrize("value", ["yesterday", 1700000000, "2025-13-45T00:00:00Z"])
def test_unparseable_times_are_rejected_on_their_field(field: str, value: Any) -> None:
    [detail] = rejection(track(**{field: value}))
    assert detail["field"] == field


def test_an_absurd_skew_is_rejected_not_crashed() -> None:
    message = track(timestamp="0001-01-01T00:00:00Z", sentAt="9999-12-31T00:00:00Z")
    assert rejection(message)[0]["field"] == "sentAt"
