"""Nothing of the renewals service answers an anonymous caller."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from renewals_support import running_service

from radar_runtime.testing.auth import anonymous_answers

pytestmark = pytest.mark.integration


async def test_every_route_refuses_anonymous_callers(kafka_bootstrap, database_url):
    start = datetime(2026, 3, 2, tzinfo=UTC)
    async with running_service(kafka_bootstrap, database_url, start) as service:
        answers = await anonymous_answers(service.http)
        assert {"GET /v1/forecast", "GET /v1/reports/renewals", "GET /v1/audit"} <= set(answers)
        assert {route: status for route, status in answers.items() if status != 401} == {}
        assert (await service.http.get("/v1/forecast")).status_code == 200
