"""Bodies drawn from the published JSON Schema, and what ingest's admission makes of
them: shared by the contract property tests (unit: the records decode; integration:
every consumer applies them)."""

from __future__ import annotations

import functools
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import strategies as st
from pydantic import ValidationError
from schemathesis import GenerationMode

from radar_ingest.domain.admission import Admission, Record, RequestIds
from radar_ingest.domain.auth import ApiKey
from radar_ingest.domain.catalog import EVENT_ADAPTER
from radar_ingest.domain.validation import explain
from radar_ingest.main import bootstrap
from radar_ingest.settings import IngestSettings
from radar_schemas.common import EARLIEST_INSTANT, LATEST_INSTANT

from .keys import ALL_PREFIXES

SCHEMAS = Path(__file__).resolve().parents[2] / "libs" / "schemas" / "jsonschema"
# Ingest at its widest: every occurred_at the contract allows is within its window, so
# the consumers meet the worst that any configuration lets through.
NOW = LATEST_INSTANT - timedelta(days=1)
KEY = ApiKey(source="property", sha256="0" * 64, allow=tuple(ALL_PREFIXES))


def widest_admission(topic_prefix: str = "t.") -> Admission:
    settings = IngestSettings(topic_prefix=topic_prefix, earliest_occurred_at=EARLIEST_INSTANT)
    return bootstrap(settings).admission


def generated(event_type: str) -> st.SearchStrategy[Any]:
    """Bodies drawn from the published JSON Schema of `event_type` by schemathesis' generator
    (valid ones, and invalid ones too), through a one-operation OpenAPI document."""
    return st.one_of(valid_bodies(event_type), _strategies(event_type)[1])


def valid_bodies(event_type: str) -> st.SearchStrategy[Any]:
    """The valid half of `generated`: what the schema allows, which ingest may still refuse
    (a rule across fields, a bound the schema cannot state)."""
    valid = _strategies(event_type)[0]
    # Generators do not read formatMinimum: years would fall anywhere in 0001-9999 and
    # next to nothing would get through. Half the valid bodies have their dates and times
    # moved into the contract's years, the rest of the body as generated.
    return st.one_of(valid, valid.map(within_contract_years))


@functools.cache
def _strategies(event_type: str) -> tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{event_type}.json").read_text())
    schema.pop("examples", None)
    schema.pop("$schema", None)
    text = json.dumps(schema).replace("#/$defs/", "#/components/schemas/")
    body = json.loads(text)
    definitions = body.pop("$defs", {})
    content = {"application/json": {"schema": body}}
    document = {
        "openapi": "3.1.0",
        "info": {"title": event_type, "version": "1"},
        "paths": {
            "/events": {
                "post": {
                    "requestBody": {"required": True, "content": content},
                    "responses": {"202": {"description": "stored"}},
                }
            }
        },
        "components": {"schemas": definitions},
    }
    [operation] = [r.ok() for r in schemathesis.openapi.from_dict(document).get_all_operations()]
    valid, invalid = (
        operation.as_strategy(generation_mode=mode).map(lambda case: case.body)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )
    return valid, invalid


def within_contract_years(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    moved = {k: _year_moved(v) if k == "occurred_at" else v for k, v in body.items()}
    payload = moved.get("payload")
    if isinstance(payload, dict):
        moved["payload"] = {k: _year_moved(v) for k, v in payload.items()}
    return moved


def _year_moved(value: Any) -> Any:
    # `YYYY-...` dates and date-times: the year folded into 1900-2199.
    if isinstance(value, str) and len(value) >= 10 and value[:4].isdigit() and value[4] == "-":
        return f"{1900 + int(value[:4]) % 300:04d}{value[4:]}"
    return value


def through_ingest(
    admission: Admission, raw: Any, key: ApiKey = KEY
) -> Record | list[dict[str, str]]:
    """The record ingest stores for `raw` sent with `key`, or the details of its 4xx."""
    body = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
    try:
        event = EVENT_ADAPTER.validate_json(body)
    except ValidationError as exc:
        return explain(exc)
    refusal = admission.refusal(event, key, NOW)
    if refusal is not None:
        return refusal[1]
    ids = RequestIds(key.source, body)
    event_id = None if "event_id" in event.model_fields_set else ids.single()
    return admission.record(admission.stamp(event, key, NOW, event_id))
