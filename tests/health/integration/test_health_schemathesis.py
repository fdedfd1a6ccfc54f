"""Schemathesis over health's own OpenAPI document, signed in as an admin, every check on:
no request a client can make, valid or not, gets a 5xx or an answer its documentation
does not promise (status, content type, headers, body schema)."""

from __future__ import annotations

import httpx
import pytest
import schemathesis
import schemathesis.specs.openapi.checks  # registers the OpenAPI checks
from health_harness import account_upserted, at, health_settings, running_health
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation

from radar_runtime.testing.contract_probe import rejected_only_for
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

EXAMPLES_PER_MODE = 30  # bounded so the whole run stays around a minute on 2 cores
SKIPPED = {"/metrics"}
# Checks that need a stateful run (links between operations) or a second credential.
STATEFUL = {"use_after_free", "ensure_resource_availability", "ignored_auth"}
CHECKED = [check for check in CHECKS.get_all() if check.__name__ not in STATEFUL]
ACCOUNT = "acct-schemathesis"


@pytest.fixture(scope="module")
async def health(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as running:
        # One known account, so generated requests reach past the 404 now and then.
        await publish(kafka_bootstrap, running.settings, [account_upserted(ACCOUNT, at(1))])
        yield running


def cases(operation: schemathesis.APIOperation, mode: GenerationMode) -> list[schemathesis.Case]:
    drawn: list[schemathesis.Case] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def draw(case: schemathesis.Case) -> None:
        drawn.append(case)

    try:
        draw()
    except Unsatisfiable:
        assert mode is GenerationMode.NEGATIVE, operation.path  # nothing to make invalid
    return drawn


# A well-formed request may still be refused for what no schema can describe: 422 for a
# cursor this API did not return (an opaque token) and for an override whose
# `expires_at` has passed ("in the future" is relative to the server's clock). A query
# value's JSON type means nothing in a URL ("1369" is a string too).
TOLERATED = rejected_only_for()
ACCEPTED = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {
                "include-path": "/v1/accounts/{account_id}/health/override",
                "include-method": "PUT",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
        ],
    }
)


async def test_no_generated_request_gets_a_server_error_or_breaks_the_schema(health):
    schema = schemathesis.openapi.from_dict(health.app.openapi(), config=CONFIG)
    operations = [r.ok() for r in schema.get_all_operations()]
    failures: list[str] = []
    calls = 0
    admin = health.client.headers["Authorization"]
    # A client without default headers: a request sends exactly what the case holds.
    transport = httpx.ASGITransport(health.app, raise_app_exceptions=False)
    bare = httpx.AsyncClient(transport=transport, base_url="http://t")
    for operation in operations:
        if operation.path in SKIPPED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            for case in cases(operation, mode):
                valid_path = not case.meta.is_negative_at(ParameterLocation.PATH)
                path = case.path_parameters or {}
                if valid_path and "account_id" in path and calls % 3:
                    path["account_id"] = ACCOUNT  # an account that exists, now and then
                try:
                    request = case.as_transport_kwargs(base_url="http://t")
                except (UnicodeEncodeError, ValueError):
                    continue  # the client could not even send it: nothing reached the server
                request.pop("cookies", None)
                headers = dict(request.pop("headers", None) or {})
                valid_headers = not case.meta.is_negative_at(ParameterLocation.HEADER)
                if valid_headers and any(name.lower() == "authorization" for name in headers):
                    # A credential it means to send: the admin's. One it left out or
                    # malformed (a negative case) stays as it is, and must be refused.
                    headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
                    headers["Authorization"] = admin
                try:
                    response = await bare.request(**request, headers=headers)
                except (UnicodeEncodeError, ValueError):
                    continue
                calls += 1
                try:
                    case.validate_response(response, checks=CHECKED)
                except (AssertionError, FailureGroup) as failure:
                    found = failure.exceptions if isinstance(failure, FailureGroup) else [failure]
                    if all(TOLERATED(f, response) for f in found):
                        continue
                    failures.append(
                        f"{case.method} {case.formatted_path} {case.query or ''} -> "
                        f"{response.status_code} {response.text[:300]}\n  {str(failure)[:600]}"
                    )
    await bare.aclose()
    assert calls >= 200, "schemathesis made too few requests to mean anything"
    assert failures == [], "\n".join(failures[:10])
