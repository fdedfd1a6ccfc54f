"""Schemathesis over the renewals API with an admin token and every check on: no request
a client can make, valid or not, gets a 5xx or an answer the document does not describe."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
import requests
from renewals_stories import random_story
from renewals_support import service_settings

from radar_renewals.main import create_app
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.contract_probe import probe_openapi, rejected_only_for
from radar_runtime.testing.helpers import publish
from radar_runtime.testing.serving import served_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]

# Bounded so the run stays within about two minutes on 2 cores.
EXAMPLES_PER_MODE = 20
# What JSON Schema cannot say of dates: a range's order and span, a date's bounds.
RANGE_RULES = re.compile(
    r"^must not be before 'from'|^the range may span at most"
    r"|^Input should be (greater|less) than or equal to \d{4}-\d{2}-\d{2}$"
)


@pytest.fixture(scope="module")
def server(kafka_bootstrap: str, database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    settings = service_settings(kafka_bootstrap, database_url)
    app = create_app(settings)
    with served_in_thread(app) as url:
        now = datetime.now(UTC)
        token = asyncio.run(api_token(settings, name="probe", role=Role.ADMIN, now=now))
        headers = bearer(token)
        # Terms in every state, so the routes answer with data, not only empty lists.
        asyncio.run(publish(kafka_bootstrap, settings, random_story(5, 40, now.date())))
        _until(lambda: _get(url, "/v1/renewals", headers).json()["total"] >= 40)
        yield url, headers


def test_no_generated_request_gets_a_server_error(server: tuple[str, dict[str, str]]) -> None:
    base_url, headers = server
    app_document = _document(base_url, headers)
    result = probe_openapi(
        base_url,
        app_document,
        headers,
        examples_per_mode=EXAMPLES_PER_MODE,
        tolerated=rejected_only_for(RANGE_RULES),
    )
    assert result.calls >= 150, "schemathesis made too few requests to mean anything"
    assert result.problems == [], f"{len(result.problems)} problems:\n" + "\n".join(
        result.problems[:30]
    )


def _document(base_url: str, headers: dict[str, str]) -> dict[str, object]:
    document: dict[str, object] = _get(base_url, "/openapi.json", headers).json()
    return document


def _get(base_url: str, path: str, headers: dict[str, str]) -> requests.Response:
    response = requests.get(f"{base_url}{path}", headers=headers, timeout=30)
    response.raise_for_status()
    return response


def _until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the story was not applied in time"
        time.sleep(0.2)
