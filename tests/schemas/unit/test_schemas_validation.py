"""Every validation rule rejects, and says why in words a source developer understands."""

import copy
import json
from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from radar_schemas import EVENT_TYPES, UsageRecorded, UsageRecordedEvent, decode, describe_errors
from radar_schemas.examples import EXAMPLES


def example(event_type: str) -> dict[str, Any]:
    return copy.deepcopy(EXAMPLES[event_type])


def errors_for(raw: dict[str, Any] | str) -> list[dict[str, str]]:
    with pytest.raises(ValidationError) as caught:
        decode(raw if isinstance(raw, str) else json.dumps(raw))
    return describe_errors(caught.value)


def test_naive_occurred_at_is_rejected() -> None:
    raw = example("usage.recorded")
    raw["occurred_at"] = "2025-03-03T09:15:00"
    assert errors_for(raw) == [
        {
            "field": "occurred_at",
            "reason": "must include a timezone offset (RFC 3339), e.g. 2025-03-03T09:15:00Z",
        }
    ]


def test_naive_datetime_is_rejected_in_python_too() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        UsageRecordedEvent(
            occurred_at=datetime(2025, 1, 1),
            account_id="acct-1",
            payload=UsageRecorded(metric="logins", quantity=1),
        )


def test_naive_datetime_inside_payload_is_rejected() -> None:
    raw = example("health.scored")
    raw["payload"]["as_of"] = "2025-03-03T09:15:00"
    assert [e["field"] for e in errors_for(raw)] == ["payload.as_of"]


@pytest.mark.parametrize("where", ["envelope", "payload", "nested"])
def test_extra_field_is_rejected(where: str) -> None:
    raw = example("account.upserted")
    target = {
        "envelope": raw,
        "payload": raw["payload"],
        "nested": raw["payload"]["owner"],
    }[where]
    target["colour"] = "blue"
    field = {"envelope": "colour", "payload": "payload.colour", "nested": "payload.owner.colour"}
    assert errors_for(raw) == [
        {"field": field[where], "reason": "unknown field, not part of contract v1"}
    ]


@pytest.mark.parametrize(
    ("event_type", "field"),
    [
        ("usage.recorded", "quantity"),
        ("subscription.upserted", "arr"),
        ("subscription.upserted", "seats"),
        ("renewal.opportunity_updated", "amount"),
        ("renewal.booked", "new_arr"),
        ("renewal.state_changed", "expected_arr"),
    ],
)
def test_negative_amount_is_rejected(event_type: str, field: str) -> None:
    raw = example(event_type)
    raw["payload"][field] = -1
    assert errors_for(raw) == [
        {"field": f"payload.{field}", "reason": "must be greater than or equal to 0"}
    ]


def test_non_finite_number_is_rejected() -> None:
    raw = json.dumps(example("usage.recorded")).replace('"quantity": 37.0', '"quantity": NaN')
    assert errors_for(raw) == [{"field": "payload.quantity", "reason": "must be a finite number"}]


def test_number_as_string_is_rejected() -> None:
    raw = example("usage.recorded")
    raw["payload"]["quantity"] = "5"
    assert errors_for(raw) == [{"field": "payload.quantity", "reason": "must be a valid number"}]


def test_bool_as_string_is_rejected() -> None:
    raw = example("ticket.opened")
    raw["payload"]["escalated"] = "yes"
    assert errors_for(raw) == [{"field": "payload.escalated", "reason": "must be a valid boolean"}]


@pytest.mark.parametrize(
    ("event_type", "path", "value", "reason"),
    [
        ("ticket.opened", ("priority",), "p1", "must be 'low', 'normal', 'high' or 'urgent'"),
        ("account.upserted", ("segment",), "big", "must be 'smb', 'mid_market' or 'enterprise'"),
        ("account.upserted", ("region",), "latam", "must be 'amer', 'emea' or 'apac'"),
        (
            "engagement.logged",
            ("kind",),
            "lunch",
            "must be 'meeting', 'qbr', 'call', 'email' or 'training'",
        ),
        ("contact.changed", ("change",), "moved", "must be 'joined' or 'left'"),
        ("alert.raised", ("severity",), "major", "must be 'info', 'warning' or 'critical'"),
        ("health.scored", ("band",), "blue", "must be 'green', 'yellow' or 'red'"),
        ("renewal.state_changed", ("risk_band",), "extreme", "must be 'low', 'medium' or 'high'"),
    ],
)
def test_bad_enum_is_rejected(
    event_type: str, path: tuple[str, ...], value: str, reason: str
) -> None:
    raw = example(event_type)
    raw["payload"][path[0]] = value
    assert errors_for(raw) == [{"field": f"payload.{path[0]}", "reason": reason}]


@pytest.mark.parametrize("currency", ["usd", "US", "EURO", "€UR"])
def test_bad_currency_is_rejected(currency: str) -> None:
    raw = example("subscription.upserted")
    raw["payload"]["currency"] = currency
    assert errors_for(raw) == [
        {
            "field": "payload.currency",
            "reason": "must be an ISO 4217 currency code of 3 uppercase letters, e.g. USD",
        }
    ]


@pytest.mark.parametrize("end_date", ["2024-06-01", "2024-05-31"])
def test_end_not_after_start_is_rejected(end_date: str) -> None:
    raw = example("subscription.upserted")
    raw["payload"]["end_date"] = end_date
    assert errors_for(raw) == [
        {"field": "payload.end_date", "reason": "must be after start_date (2024-06-01)"}
    ]


def test_unknown_type_lists_valid_types() -> None:
    raw = example("usage.recorded")
    raw["type"] = "usage.recordd"
    [entry] = errors_for(raw)
    assert entry["field"] == "type"
    assert entry["reason"].startswith("unknown event type 'usage.recordd'; valid types: ")
    assert all(event_type in entry["reason"] for event_type in EVENT_TYPES)


def test_missing_type_lists_valid_types() -> None:
    raw = example("usage.recorded")
    del raw["type"]
    [entry] = errors_for(raw)
    assert entry["field"] == "type"
    assert entry["reason"].startswith("field required; valid types: usage.recorded, ")


@pytest.mark.parametrize(
    ("account_id", "reason"),
    [
        ("", "must have at least 1 character"),
        ("   ", "must have at least 1 character"),
        ("a" * 129, "must have at most 128 characters"),
    ],
)
def test_bad_account_id_is_rejected(account_id: str, reason: str) -> None:
    raw = example("usage.recorded")
    raw["account_id"] = account_id
    assert errors_for(raw) == [{"field": "account_id", "reason": reason}]


def test_ids_are_stripped() -> None:
    raw = example("usage.recorded")
    raw["account_id"] = "  acct-0042 "
    assert decode(json.dumps(raw)).account_id == "acct-0042"


def test_account_id_of_128_chars_is_accepted() -> None:
    raw = example("usage.recorded")
    raw["account_id"] = "a" * 128
    assert decode(json.dumps(raw)).account_id == "a" * 128


def test_missing_field_is_reported() -> None:
    raw = example("subscription.upserted")
    del raw["payload"]["plan"]
    del raw["occurred_at"]
    assert errors_for(raw) == [
        {"field": "occurred_at", "reason": "field required"},
        {"field": "payload.plan", "reason": "field required"},
    ]


def test_other_schema_version_is_rejected() -> None:
    raw = example("usage.recorded")
    raw["schema_version"] = 2
    assert errors_for(raw) == [{"field": "schema_version", "reason": "must be 1"}]


@pytest.mark.parametrize("metric", ["active_users", "logins", "api_calls", "feature.reports"])
def test_known_metrics_are_accepted(metric: str) -> None:
    raw = example("usage.recorded")
    raw["payload"]["metric"] = metric
    assert decode(json.dumps(raw)).payload.metric == metric  # type: ignore[union-attr]


@pytest.mark.parametrize("metric", ["Active Users", "feature.", ".logins", "", "api calls"])
def test_bad_metric_is_rejected(metric: str) -> None:
    raw = example("usage.recorded")
    raw["payload"]["metric"] = metric
    [entry] = errors_for(raw)
    assert entry["field"] == "payload.metric"
    assert entry["reason"].startswith("must be a lowercase dotted identifier")


def test_bad_email_is_rejected() -> None:
    raw = example("account.upserted")
    raw["payload"]["manager"]["email"] = "sam at example"
    assert errors_for(raw) == [
        {
            "field": "payload.manager.email",
            "reason": "must be an email address such as jane@example.com",
        }
    ]


@pytest.mark.parametrize(
    ("event_type", "score"), [("csat.submitted", 0), ("csat.submitted", 6), ("nps.submitted", 11)]
)
def test_survey_score_out_of_range_is_rejected(event_type: str, score: int) -> None:
    raw = example(event_type)
    raw["payload"]["score"] = score
    [entry] = errors_for(raw)
    assert entry["field"] == "payload.score"
    assert entry["reason"].startswith("must be")


def test_bad_driver_value_is_one_entry_without_union_tags() -> None:
    raw = example("alert.raised")
    raw["payload"]["drivers"][1]["value"] = True
    assert errors_for(raw) == [
        {
            "field": "payload.drivers[1].value",
            "reason": "must be a number, a string of at most 256 characters, or null",
        }
    ]


def test_override_needs_score_or_band() -> None:
    raw = example("health.scored")
    raw["payload"]["override"] = {
        "reason": "Exec escalation resolved",
        "author": "dana.reyes",
        "expires_at": "2025-04-01T00:00:00Z",
    }
    assert errors_for(raw) == [
        {"field": "payload.override", "reason": "must set a score or a band"}
    ]
    raw["payload"]["override"]["band"] = "yellow"
    assert decode(json.dumps(raw)).payload.override is not None  # type: ignore[union-attr]


def test_probability_above_one_is_rejected() -> None:
    raw = example("renewal.state_changed")
    raw["payload"]["p_renew"] = 1.2
    assert errors_for(raw) == [
        {"field": "payload.p_renew", "reason": "must be less than or equal to 1"}
    ]


def test_not_json_and_not_object_are_reported_at_root() -> None:
    assert errors_for("{") == [
        {
            "field": "(root)",
            "reason": "invalid JSON: EOF while parsing an object at line 1 column 1",
        }
    ]
    assert errors_for("[1]") == [{"field": "(root)", "reason": "must be an object"}]


def test_events_are_immutable() -> None:
    event = decode(json.dumps(EXAMPLES["usage.recorded"]))
    with pytest.raises(ValidationError, match="frozen"):
        event.account_id = "other"
