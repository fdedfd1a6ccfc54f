"""Schemathesis over a service's own OpenAPI document with every check on: what a client
can send, valid or not, must get no 5xx and no answer the document does not describe."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (  # type: ignore[attr-defined]
    AcceptedNegativeData,
    RejectedPositiveData,
)

from radar_runtime.paging import CURSOR_REASON

# A failure the caller knows to be the contract at work (what JSON Schema cannot say).
Tolerated = Callable[[Exception, requests.Response], bool]

# Every service refuses control characters in the path and query (`RefuseControlCharacters`)
# though its document's plain strings allow them.
CONTROL_CHARACTERS = re.compile(r"^must not contain control characters$")


# The only ways a negative case may be accepted: an unknown query parameter (ignored, as
# HTTP APIs do), a "wrongly typed" query value (a query string holds only text, which a
# text parameter takes; an empty list is no parameter at all) and a missing or malformed
# credential (the probe always sends its own).
_IGNORED_VIOLATIONS = re.compile(
    r"^\s*- (query: violates `(additionalProperties|type|anyOf)`"
    r"|header: violates `required` \(was Authorization\)"
    r"|header: violates `format` at /properties/Authorization)"
)


def rejected_only_for(reasons: re.Pattern[str] | None = None) -> Tolerated:
    """Tolerates a valid-looking request refused with a 422 whose every detail matches
    (or the runtime's control-character or cursor rule), and a negative case whose only
    violations are ones the service may ignore."""

    def tolerated(failure: Exception, response: requests.Response) -> bool:
        if _head_too_large(response):
            return True
        if isinstance(failure, AcceptedNegativeData):
            lines = failure.message.splitlines()
            listed = (
                lines[lines.index("Invalid component:") + 1 :]
                if "Invalid component:" in lines
                else []
            )
            return bool(listed) and all(_IGNORED_VIOLATIONS.match(line) for line in listed)
        if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
            return False
        details = response.json()["error"]["details"]
        return bool(details) and all(
            CONTROL_CHARACTERS.search(d["reason"])
            or d["reason"] == CURSOR_REASON
            or (reasons is not None and reasons.search(d["reason"]))
            for d in details
        )

    return tolerated


# uvicorn (h11) refuses a request head over 16 KiB with this 400 before any app sees it:
# the HTTP server's limit, as a proxy's would be, not the API's answer.
_H11_HEAD_LIMIT = 16 * 1024
_H11_REFUSAL = "Invalid HTTP request received."


def _head_too_large(response: requests.Response) -> bool:
    url = response.request.url or ""
    return (
        response.status_code == 400
        and response.text == _H11_REFUSAL
        and len(url.encode()) > _H11_HEAD_LIMIT
    )


@dataclass
class ProbeResult:
    calls: int = 0
    problems: list[str] = field(default_factory=list)


def probe_openapi(
    base_url: str,
    document: Mapping[str, object],
    headers: Mapping[str, str],
    *,
    examples_per_mode: int,
    skipped: Collection[str] = ("/metrics",),
    tolerated: Tolerated | None = None,
) -> ProbeResult:
    """Every operation of `document`, valid and invalid inputs, `examples_per_mode` each."""
    tolerated = tolerated or rejected_only_for()
    schema = schemathesis.openapi.from_dict(dict(document))
    found = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    session = requests.Session()
    result = ProbeResult()
    for operation in [op for op in found if op.path not in skipped]:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples_per_mode,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def probe(case: schemathesis.Case[Any]) -> None:
                sent: dict[str, Any] = {**dict(case.headers or {}), **headers}
                try:
                    response = case.call(base_url=base_url, session=session, headers=sent)
                except (requests.exceptions.InvalidHeader, UnicodeEncodeError, ValueError):
                    return  # the client could not even send it: nothing reached the server
                result.calls += 1
                try:
                    checks: Any = list(CHECKS.get_all())
                    case.validate_response(response, checks=checks, headers=sent)
                except FailureGroup as failures:
                    problems = [
                        f for f in failures.exceptions if not tolerated(f, cast(Any, response))
                    ]
                    if problems:
                        result.problems.append(
                            f"{case.method} {case.formatted_path} {case.query} -> "
                            f"{response.status_code} {response.text[:1000]}\n  "
                            + "; ".join(f"{f.title}: {f.message}" for f in problems)
                        )

            try:
                probe()
            except Unsatisfiable:
                # Nothing to make invalid (e.g. an operation that takes no input).
                if mode is not GenerationMode.NEGATIVE:
                    raise
    return result
