"""Reading request bodies into events, and saying precisely what is wrong when that fails."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, WrapValidator
from pydantic_core import from_json

from radar_schemas import Envelope, describe_errors

from .catalog import IngestEvent, type_label, unknown_type_reason
from .errors import ClientError, Details


@dataclass(slots=True)
class InvalidItem:
    """A batch item that failed validation; the batch goes on without it."""

    event_type: str
    details: Details


def _keep_invalid(value: Any, handler: Any) -> Any:
    try:
        return handler(value)
    except ValidationError as exc:
        event_type = value.get("type") if isinstance(value, dict) else None
        return InvalidItem(type_label(event_type), explain(exc))


BatchItem: Any = Annotated[IngestEvent, WrapValidator(_keep_invalid)]


def batch_model(max_events: int, item: Any) -> type[BaseModel]:
    class EventBatch(BaseModel):
        model_config = ConfigDict(extra="forbid")
        events: list[item] = Field(min_length=1, max_length=max_events)

    return EventBatch


class BatchReader:
    """Reads `{"events": [...]}`; an invalid item is kept as an InvalidItem in its place.

    The wrap validator that keeps invalid items costs a Python call per item, so a
    batch is first validated without it and only a batch with errors is read again.
    """

    def __init__(self, max_events: int) -> None:
        self._all_valid: TypeAdapter[Any] = TypeAdapter(batch_model(max_events, IngestEvent))
        self._item_by_item: TypeAdapter[Any] = TypeAdapter(batch_model(max_events, BatchItem))

    def read(self, body: bytes) -> list[Envelope | InvalidItem]:
        """Raises ClientError when the batch as a whole cannot be read."""
        try:
            return self._all_valid.validate_json(body).events  # type: ignore[no-any-return]
        except ValidationError:
            pass
        try:
            return self._item_by_item.validate_json(body).events  # type: ignore[no-any-return]
        except ValidationError as exc:
            raise batch_refusal(exc) from None


def explain(exc: ValidationError) -> Details:
    """describe_errors, with unknown types answered by the types ingest accepts."""
    details = describe_errors(exc)
    for error in exc.errors(include_url=False):
        if error["type"] == "union_tag_invalid":
            tag = (error.get("ctx") or {}).get("tag")
            for entry in details:
                if entry["field"] == "type":
                    entry["reason"] = unknown_type_reason(tag)
    return details


def batch_refusal(exc: ValidationError) -> ClientError:
    """Why a batch could not be read at all (its items are judged one by one elsewhere)."""
    for error in exc.errors(include_url=False):
        if error["type"] == "too_long" and error["loc"] == ("events",):
            ctx = error.get("ctx") or {}
            reason = (
                f"at most {ctx.get('max_length')} events per batch, got {ctx.get('actual_length')}"
            )
            return ClientError(422, "too many events", [{"field": "events", "reason": reason}])
    return invalid_json(exc) or ClientError(422, "invalid batch", explain(exc))


def invalid_json(exc: ValidationError) -> ClientError | None:
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            return ClientError(400, "malformed JSON", describe_errors(exc))
    return None


def parse_json(body: bytes) -> Any:
    try:
        return from_json(body, allow_inf_nan=False)
    except ValueError as exc:
        raise ClientError(
            400, "malformed JSON", [{"field": "(root)", "reason": str(exc)}]
        ) from None
