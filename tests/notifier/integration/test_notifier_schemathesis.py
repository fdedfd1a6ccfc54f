"""Schemathesis over the notifier API with an admin token and every check on: no request
a client can make, valid or not, gets a 5xx or an answer the document does not describe.
Alerts raised and resolved first, so the routes answer with data and acts reach rows."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
from notifier_harness import RULES, WEBHOOK_VAR, alert, notifier_settings

from radar_notifier.main import create_app
from radar_runtime.auth.roles import Role
from radar_runtime.local import free_port
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.contract_probe import probe_openapi, rejected_only_for
from radar_runtime.testing.helpers import publish
from radar_runtime.testing.serving import served_in_thread

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]

# Bounded so the run stays within about two minutes on 2 cores.
EXAMPLES_PER_MODE = 15
# What JSON Schema cannot say: a range's order and span.
RANGE_RULES = re.compile(r"^must not be before 'from'|^the range may span at most|^after to$")


@pytest.fixture(scope="module")
def server(
    kafka_bootstrap: str, database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    rules: Path = tmp_path_factory.mktemp("notifier") / "notifier.toml"
    rules.write_text(RULES)
    settings = notifier_settings(kafka_bootstrap, database_url, rules)
    # A Slack channel nobody listens on: the probe is about the API, not delivery.
    app = create_app(settings, environ={WEBHOOK_VAR: f"http://127.0.0.1:{free_port()}/hook"})
    with served_in_thread(app) as url:
        now = datetime.now(UTC)
        token = asyncio.run(api_token(settings, name="probe", role=Role.ADMIN, now=now))
        headers = bearer(token)
        events = [alert(f"acct-{i}", at=now) for i in range(6)]
        events += [alert("acct-0", at=now, resolved=True)]
        asyncio.run(publish(kafka_bootstrap, settings, events))
        _until(lambda: len(_get(url, "/v1/alerts", headers).json()["alerts"]) >= 5)
        yield url, headers


def test_no_generated_request_gets_a_server_error(server: tuple[str, dict[str, str]]) -> None:
    base_url, headers = server
    document = _get(base_url, "/openapi.json", headers).json()
    result = probe_openapi(
        base_url,
        document,
        headers,
        examples_per_mode=EXAMPLES_PER_MODE,
        tolerated=rejected_only_for(RANGE_RULES),
    )
    assert result.calls >= 150, "schemathesis made too few requests to mean anything"
    assert result.problems == [], f"{len(result.problems)} problems:\n" + "\n".join(
        result.problems[:30]
    )


def _get(base_url: str, path: str, headers: dict[str, str]) -> requests.Response:
    response = requests.get(f"{base_url}{path}", headers=headers, timeout=30)
    response.raise_for_status()
    return response


def _until(check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the alerts were not applied in time"
        time.sleep(0.2)
