"""Schemathesis over ingest's own OpenAPI document, with a valid key and every check on: no
request a client can make, valid or not, gets a 5xx or an answer the document does not
describe."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.core.failures import AcceptedNegativeData, FailureGroup
from schemathesis.specs.openapi.checks import RejectedPositiveData

from ..keys import ANALYTICS_KEY, bearer
from .support import ingest_settings, make_app, served

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]

# Bounded so the whole run stays within about two minutes on 2 cores.
EXAMPLES_PER_MODE = 25
SKIPPED = {"/metrics"}


@pytest.fixture(scope="module")
def server(kafka_bootstrap: str) -> Iterator[tuple[str, dict[str, object]]]:
    # A slow shared machine must not turn into 503s: only the service's own faults count.
    app = make_app(ingest_settings(kafka_bootstrap, publish_timeout_seconds=60))
    with served(app) as url:
        yield url, app.openapi()


def operations(document: dict[str, object]) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_dict(document)
    found = [result.ok() for result in schema.get_all_operations()]
    return [op for op in found if op.path not in SKIPPED]


# What JSON Schema cannot say: bounds of dates and times (generators do not read
# formatMinimum), "no later than now + 5 minutes", and a Segment call's account found
# through an earlier group call. A 422 naming only these is the contract at work, not
# an answer the document contradicts.
BEYOND_JSON_SCHEMA = re.compile(
    r"must be (greater|less) than (or equal to )?(1900|1990|2199|2200)"
    r"|in the future|is before|must be after start_date|^no account: "
    r"|too far from timestamp to correct the clock skew"
)


def tolerated(failure: Exception, response: requests.Response) -> bool:
    if isinstance(failure, AcceptedNegativeData):
        return partial_batch(response)
    if not isinstance(failure, RejectedPositiveData) or response.status_code != 422:
        return False
    details = response.json()["error"]["details"]
    return bool(details) and all(BEYOND_JSON_SCHEMA.search(d["reason"]) for d in details)


def partial_batch(response: requests.Response) -> bool:
    # A batch where some messages were taken is a 200 listing the rest as rejected, as
    # the SDKs expect (README, "Answers the SDKs understand"): the invalid part is refused
    # message by message, never silently.
    if response.status_code != 200:
        return False
    answer = response.json()
    return answer.get("success") is False and bool(answer.get("rejected"))


def test_no_generated_request_gets_a_server_error(server: tuple[str, dict[str, object]]) -> None:
    base_url, document = server
    session = requests.Session()
    server_errors: list[str] = []
    calls = 0
    for operation in operations(document):
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES_PER_MODE,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def probe(case: schemathesis.Case) -> None:
                nonlocal calls
                headers = {**(case.headers or {}), **bearer(ANALYTICS_KEY)}
                try:
                    response = case.call(base_url=base_url, session=session, headers=headers)
                except (requests.exceptions.InvalidHeader, UnicodeEncodeError, ValueError):
                    return  # the client could not even send it: nothing reached the server
                calls += 1
                try:
                    case.validate_response(response, checks=list(CHECKS.get_all()), headers=headers)
                except FailureGroup as failures:
                    problems = [f for f in failures.exceptions if not tolerated(f, response)]
                    if problems:
                        server_errors.append(
                            f"{case.method} {case.path} -> {response.status_code} "
                            f"{response.text[:2000]}\n  body: {str(case.body)[:3000]}\n  "
                            + "; ".join(f"{f.title}: {f.message}" for f in problems)
                        )

            try:
                probe()
            except Unsatisfiable:
                # Nothing to make invalid (e.g. GET /healthz takes no input).
                assert mode is GenerationMode.NEGATIVE, operation.path
    assert calls >= 200, "schemathesis made too few requests to mean anything"
    assert server_errors == [], f"{len(server_errors)} problems:\n" + "\n".join(server_errors[:40])
