"""REST in, Slack and email out: the four services as separate processes."""

from __future__ import annotations

import pytest

from radar_runtime.testing.helpers import eventually

from .pipeline import CHANNEL, Pipeline, start_pipeline, stop_pipeline
from .scenario import MANAGER, OWNER, at_risk_account

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    running = await start_pipeline(kafka_bootstrap, database_url, tmp_path_factory.mktemp("e2e"))
    yield running
    await stop_pipeline(running)


async def test_scripted_account_ends_in_slack_and_email_with_its_drivers(pipeline: Pipeline):
    account = "acct-e2e-1"
    events = at_risk_account(account)
    assert len(await pipeline.post(events)) == len(events)

    async def champion_alert_in_slack():
        for message in pipeline.slack.for_channel(CHANNEL):
            text = str(message.body)
            if f"Scripted {account}" in text and "champion" in text.lower():
                return text
        return None

    slack_text = await eventually(champion_alert_in_slack, timeout=120, what="Slack message")
    assert "240,000" in slack_text or "240000" in slack_text or "240k" in slack_text.lower()

    async def email_to_owner_and_manager():
        found = [m for m in pipeline.smtp.messages if f"Scripted {account}" in m.part("plain")]
        recipients = {r for m in found for r in m.recipients}
        return found if {OWNER, MANAGER} <= recipients else None

    emails = await eventually(email_to_owner_and_manager, timeout=60, what="emails")
    body = emails[0].part("plain").lower()
    assert "champion" in body
    assert "renewal" in body

    status, health = await pipeline.get("health", f"/v1/accounts/{account}/health")
    assert status == 200
    measures = {c["measure"]: c for c in health["components"]}
    assert measures["usage_trend"]["sub_score"] < 50  # the usage drop is in the score
    assert "relationship" in measures

    status, renewal = await pipeline.get("renewals", f"/v1/renewals/{account}-sub")
    assert status == 200
    assert renewal["current"]["state"] == "in_window"
    assert 59 <= renewal["current"]["days_to_renewal"] <= 60

    async def usage_drop_alert_raised():
        _, body = await pipeline.get("notifier", f"/v1/alerts?account={account}")
        rules = {alert["rule"] for alert in body["alerts"]}
        return "usage.sharp_drop" in rules and "champion.left" in rules

    await eventually(usage_drop_alert_raised, timeout=60, what="both alerts known to the notifier")
