"""What a consumer's columns and arithmetic cannot hold is refused by the contract itself,
and the JSON Schema export says so."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pydantic import ValidationError

from radar_schemas import EVENT_MODELS, decode, describe_errors
from radar_schemas.common import NAME_PATTERN
from radar_schemas.examples import EXAMPLES


def errors_for(event_type: str, **payload: Any) -> list[dict[str, str]]:
    raw = copy.deepcopy(EXAMPLES[event_type])
    envelope = {k: payload.pop(k) for k in list(payload) if k in raw and k != "payload"}
    raw.update(envelope)
    raw["payload"].update(payload)
    with pytest.raises(ValidationError) as caught:
        decode(json.dumps(raw))
    return describe_errors(caught.value)


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("usage.recorded", "user_id", "a\u0000b"),
        ("usage.recorded", "feature", "tab\there"),
        ("ticket.opened", "ticket_id", "x\u001fy"),
        ("account.upserted", "name", "Acme\u007f"),
        ("nps.submitted", "contact_id", "c\n1"),
    ],
)
def test_ids_and_names_refuse_control_characters(event_type: str, field: str, value: str) -> None:
    [detail] = errors_for(event_type, **{field: value})
    assert detail == {
        "field": f"payload.{field}",
        "reason": "must hold more than whitespace and no control characters such as NUL, "
        "tab or line breaks",
    }


def test_free_text_keeps_line_breaks_but_not_nul() -> None:
    raw = copy.deepcopy(EXAMPLES["nps.submitted"])
    raw["payload"]["comment"] = "Slow.\nReally slow.\tTabs too."
    assert decode(json.dumps(raw)).payload.comment == "Slow.\nReally slow.\tTabs too."  # type: ignore[attr-defined]
    [detail] = errors_for("nps.submitted", comment="a\u0000b")
    assert detail["field"] == "payload.comment"


@pytest.mark.parametrize("account_id", ["a\u0000b", "\u00a0", "   "])
def test_account_id_refuses_nul_and_whitespace_alone(account_id: str) -> None:
    [detail] = errors_for("usage.recorded", account_id=account_id)
    assert detail["field"] == "account_id"


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("subscription.upserted", "seats", 2**31),
        ("subscription.upserted", "arr", 1e15),
        ("subscription.upserted", "arr", 1e308),
        ("renewal.booked", "new_arr", 1e16),
        ("renewal.opportunity_updated", "amount", 1e20),
        ("usage.recorded", "quantity", 1e13),
    ],
)
def test_numbers_beyond_the_columns_are_refused(event_type: str, field: str, value: Any) -> None:
    [detail] = errors_for(event_type, **{field: value})
    assert detail["field"] == f"payload.{field}"
    assert detail["reason"].startswith("must be less than")


def test_the_largest_values_the_columns_hold_are_accepted() -> None:
    raw = copy.deepcopy(EXAMPLES["subscription.upserted"])
    raw["payload"].update(seats=2**31 - 1, arr=999_999_999_999_999.0)
    event = decode(json.dumps(raw))
    assert event.payload.seats == 2**31 - 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("event_type", "field", "value"),
    [
        ("subscription.upserted", "end_date", "9999-12-31"),
        ("subscription.upserted", "start_date", "0001-01-01"),
        ("subscription.cancelled", "effective_date", "2200-01-01"),
        ("renewal.opportunity_updated", "close_date", "1899-12-31"),
        ("renewal.booked", "new_end_date", "9999-01-01"),
    ],
)
def test_dates_outside_1900_to_2199_are_refused(event_type: str, field: str, value: str) -> None:
    details = errors_for(event_type, **{field: value})
    assert f"payload.{field}" in [d["field"] for d in details]


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"]
)
def test_instants_at_the_ends_of_the_calendar_are_refused(moment: str) -> None:
    [detail] = errors_for("usage.recorded", occurred_at=moment)
    assert detail["field"] == "occurred_at"


def test_contacts_may_carry_a_name_and_an_email() -> None:
    raw = copy.deepcopy(EXAMPLES["contact.changed"])
    raw["payload"].update(name="Jane Doe", email="jane@example.com")
    event = decode(json.dumps(raw))
    assert (event.payload.name, event.payload.email) == ("Jane Doe", "jane@example.com")  # type: ignore[attr-defined]
    assert errors_for("contact.changed", email="jane\u0000@example.com")[0]["field"] == (
        "payload.email"
    )


def test_the_json_schema_documents_the_bounds() -> None:
    subscription = EVENT_MODELS["subscription.upserted"].model_json_schema()
    fields = subscription["$defs"]["SubscriptionUpserted"]["properties"]
    assert fields["seats"]["maximum"] == 2**31 - 1
    assert fields["arr"]["exclusiveMaximum"] == 1e15
    assert fields["end_date"]["formatMinimum"] == "1900-01-01"
    assert fields["end_date"]["formatMaximum"] == "2199-12-31"
    assert fields["subscription_id"]["pattern"] == NAME_PATTERN
    usage = EVENT_MODELS["usage.recorded"].model_json_schema()
    assert usage["properties"]["occurred_at"]["formatMinimum"] == "1900-01-01T00:00:00Z"
    contact = EVENT_MODELS["contact.changed"].model_json_schema()["$defs"]["ContactChanged"]
    assert {"name", "email"} <= contact["properties"].keys()
    assert "name" not in contact["required"]
