"""Nothing of the health service answers an anonymous caller."""

from __future__ import annotations

import pytest
from health_harness import health_settings, running_health

from radar_runtime.testing.auth import anonymous_answers

pytestmark = pytest.mark.integration


async def test_every_route_refuses_anonymous_callers(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        answers = await anonymous_answers(health.client)
        assert {"PUT /v1/accounts/{account_id}/health/override", "GET /v1/audit"} <= set(answers)
        assert {route: status for route, status in answers.items() if status != 401} == {}
