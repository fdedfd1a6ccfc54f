"""Nothing of the notifier answers an anonymous caller: every route needs a bearer
credential, except those signed another way (Slack's clicks, the notifier's own email
links), which refuse whatever is not signed."""

from __future__ import annotations

import pytest

from radar_runtime.testing.auth import anonymous_answers

pytestmark = pytest.mark.integration

SIGNED = {
    "POST /v1/slack/interactions": 401,  # not signed by Slack
    "GET /v1/actions/{token}": 403,  # not a link this notifier signed
    "POST /v1/actions/{token}": 403,
}


async def test_every_route_refuses_anonymous_callers(notifier):
    answers = await anonymous_answers(notifier.http)
    assert "POST /v1/alerts/{alert_id}/ack" in answers
    assert "GET /v1/audit" in answers
    assert {route: answers[route] for route in SIGNED} == SIGNED
    others = {route: status for route, status in answers.items() if route not in SIGNED}
    assert {route: status for route, status in others.items() if status != 401} == {}
    assert (await notifier.http.get("/healthz", headers={"Authorization": ""})).status_code == 200
