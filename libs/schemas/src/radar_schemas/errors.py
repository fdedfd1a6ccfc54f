"""Turn pydantic validation errors into entries a source-system developer can act on.

Each entry is `{"field": <path>, "reason": <text>}`. Paths are dotted with list
indexes in brackets (`payload.drivers[0].value`), never contain the discriminator
tag pydantic adds, and are `(root)` when the document itself is at fault.
"""

import re
from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from radar_schemas.common import PATTERN_REASONS
from radar_schemas.events import EVENT_MODELS, EVENT_TYPES
from radar_schemas.topics import UnknownEventType

ROOT = "(root)"

_FIXED_REASONS = {
    "missing": "field required",
    "extra_forbidden": "unknown field, not part of contract v1",
    "timezone_aware": "must include a timezone offset (RFC 3339), e.g. 2025-03-03T09:15:00Z",
}
_SHOULD = re.compile(r"^\w+ should ")


def describe_errors(exc: ValidationError) -> list[dict[str, str]]:
    """One entry per distinct problem, in the order pydantic found them."""
    entries: list[dict[str, str]] = []
    for error in exc.errors(include_url=False):
        entry = {"field": _field(error), "reason": _reason(error)}
        if entry not in entries:
            entries.append(entry)
    return entries


def _field(error: ErrorDetails) -> str:
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        return _join([*error["loc"], "type"])
    return _join(error["loc"])


def _join(loc: Sequence[int | str]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in EVENT_MODELS:  # the discriminator tag is not a field
            path += f".{part}" if path else part
    return path or ROOT


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _FIXED_REASONS:
        return _FIXED_REASONS[kind]
    if kind == "union_tag_invalid":
        return str(UnknownEventType(ctx.get("tag")))
    if kind == "union_tag_not_found":
        return f"field required; valid types: {', '.join(EVENT_TYPES)}"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in PATTERN_REASONS:
        return PATTERN_REASONS[ctx["pattern"]]
    if kind == "json_invalid":
        return f"invalid JSON: {ctx.get('error', error['msg'])}"
    message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
    message = _SHOULD.sub("must ", message)
    return message[:1].lower() + message[1:]
