"""One contract, enforced at the door: events generated from the published JSON Schema
are either refused by ingest with a 4xx naming a field, or stored as records every
consumer decodes and validates.

Here the consumers only decode each stored record, fast and with many examples; that
health and renewals then apply every such record through their real consumer code and
database, none dead-lettered, is tests/ingest/integration/test_ingest_contract_consumers.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from radar_ingest.domain.admission import Admission, Record
from radar_ingest.domain.catalog import INGEST_TYPES
from radar_schemas import Envelope, decode

from ..contract import KEY, generated, through_ingest, widest_admission


@pytest.fixture(scope="module")
def admission() -> Admission:
    return widest_admission()


def consumers_apply(records: Sequence[Record]) -> list[Envelope]:
    """What every consumer does first with a record: decode and validate it."""
    return [decode(record.value) for record in records]


@pytest.mark.parametrize("event_type", INGEST_TYPES)
def test_whatever_ingest_accepts_every_consumer_applies(
    admission: Admission, event_type: str
) -> None:
    accepted = 0

    @given(generated(event_type))
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    def check(raw: Any) -> None:
        nonlocal accepted
        outcome = through_ingest(admission, raw)
        if isinstance(outcome, list):
            assert outcome, "a refusal names at least one field"
            assert all(d["field"] and d["reason"] for d in outcome)
            return
        [event] = consumers_apply([outcome])
        assert event.type == event_type
        assert event.source == KEY.source
        assert outcome.key == event.account_id.encode()
        accepted += 1

    check()
    assert accepted > 0, "nothing generated was accepted: the property would say nothing"
