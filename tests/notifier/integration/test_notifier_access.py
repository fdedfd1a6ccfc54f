"""Nothing of the notifier answers an anonymous caller."""

from __future__ import annotations

import pytest

from radar_runtime.testing.auth import anonymous_answers

pytestmark = pytest.mark.integration


async def test_every_route_refuses_anonymous_callers(notifier):
    answers = await anonymous_answers(notifier.http)
    assert "POST /v1/alerts/{alert_id}/ack" in answers
    assert "GET /v1/audit" in answers
    assert {route: status for route, status in answers.items() if status != 401} == {}
    assert (await notifier.http.get("/healthz", headers={"Authorization": ""})).status_code == 200
