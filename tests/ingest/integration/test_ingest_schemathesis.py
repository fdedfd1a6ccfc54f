"""Schemathesis over ingest's own OpenAPI document, with a valid key: no request a client
can make, valid or not, gets a 5xx."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from ..keys import ANALYTICS_KEY, bearer
from .support import ingest_settings, make_app, served

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(180)]

# Bounded so the whole run stays well under a minute on 2 cores.
EXAMPLES_PER_MODE = 40
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
                if response.status_code >= 500:
                    server_errors.append(
                        f"{case.method} {case.path} -> {response.status_code} "
                        f"{response.text[:300]}\n  body: {str(case.body)[:300]}"
                    )

            try:
                probe()
            except Unsatisfiable:
                # Nothing to make invalid (e.g. GET /healthz takes no input).
                assert mode is GenerationMode.NEGATIVE, operation.path
    assert calls >= 200, "schemathesis made too few requests to mean anything"
    assert server_errors == [], "\n".join(server_errors[:10])
