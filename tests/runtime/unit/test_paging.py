"""Keyset cursors, shared by every list: what a page gives out reads back as the same
key, and anything else is a 422 naming `query.cursor`, never a 500."""

import base64
import json
from datetime import UTC, datetime
from uuid import UUID

import pytest

from radar_runtime.errors import ApiError
from radar_runtime.paging import CURSOR_REASON, cursor_of, page, read_cursor

AT = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
ID = UUID("12345678-1234-5678-1234-567812345678")


def test_a_cursor_reads_back_as_the_key_it_was_made_of():
    key = (AT, ID, "acct-1", 42, 87.5)
    assert read_cursor(cursor_of(*key), datetime, UUID, str, int, float) == key
    assert read_cursor(cursor_of(60), float) == (60.0,)  # a whole score is still a float


def raw(values: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("cursor", "kinds"),
    [
        ("nope", (datetime,)),
        (raw(["2026-03-01T12:30:00"]), (datetime,)),  # no timezone
        (raw(["not-a-uuid"]), (UUID,)),
        (raw([2**63]), (int,)),
        (raw([True]), (int,)),
        (raw(["1.5"]), (float,)),
        ("WzFlOTk5XQ", (float,)),  # [1e999]: infinite
        (raw(["a\x00b"]), (str,)),
        (raw([1, 2]), (int,)),
        (raw({"a": 1}), (int,)),
    ],
)
def test_anything_not_given_out_is_a_422_naming_the_cursor(cursor, kinds):
    with pytest.raises(ApiError) as refused:
        read_cursor(cursor, *kinds)
    assert refused.value.status == 422
    assert refused.value.details == [{"field": "query.cursor", "reason": CURSOR_REASON}]


def test_a_page_says_where_it_ended_only_when_more_follow():
    assert page([1, 2, 3], 3) == ([1, 2, 3], None)
    assert page([1, 2, 3, 4], 3) == ([1, 2, 3], 3)
