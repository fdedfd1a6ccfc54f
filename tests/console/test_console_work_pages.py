"""The alerts inbox, renewal center and leadership pages against the real services on
the real broker and database: what they show agrees with the APIs, and what people do
there lands in the APIs."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import httpx
import pytest
from e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from e2e.scenario import MANAGER, OWNER, at_risk_account

from radar_console.domain.formats import money
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually

from .session import csrf_of, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

ACCOUNT = "acct-console-work-1"
BAR = re.compile(r'data-series="([^"]+)" data-category="([^"]+)" data-value="([^"]+)"')


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    running = await start_pipeline(
        kafka_bootstrap, database_url, tmp_path_factory.mktemp("console-work")
    )
    events = at_risk_account(ACCOUNT)
    assert len(await running.post(events)) == len(events)

    async def alerted_and_due():
        _, alerts = await running.get("notifier", f"/v1/alerts?account={ACCOUNT}&state=raised")
        _, terms = await running.get("renewals", f"/v1/renewals?account={ACCOUNT}")
        return alerts and len(alerts["alerts"]) >= 1 and terms and terms["items"]

    await eventually(alerted_and_due, timeout=120, what="account alerted with a renewal due")
    yield running
    await stop_pipeline(running)


async def token(pipeline: Pipeline, database_url: str, role: Role, email: str | None) -> str:
    registry = RuntimeSettings(database_url=database_url, auth_schema=f"{pipeline.tag}_auth")
    name = f"console-{role.value}-{datetime.now(UTC):%H%M%S%f}"
    return await api_token(registry, name=name, role=role, now=datetime.now(UTC), email=email)


def unescaped(html: str) -> str:
    return html.replace("&#39;", "'").replace("&quot;", '"').replace("&amp;", "&")


async def test_inbox_shows_why_and_bulk_ack_reports_each_alert(pipeline: Pipeline, database_url):
    _, listed = await pipeline.get("notifier", f"/v1/alerts?account={ACCOUNT}&state=raised")
    alert = listed["alerts"][0]
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        page = unescaped((await http.get("/alerts")).text)
        assert alert["title"] in page
        assert alert["drivers"] and alert["drivers"][0]["explanation"] in page
        assert alert["recommended_actions"] and alert["recommended_actions"][0] in page
        assert 'name="alert_id"' in page

        forged = await http.post("/alerts/act", data={"action": "ack", "alert_id": "x"})
        assert forged.status_code == 403

        csrf = await csrf_of(http, "/alerts")
        done = await http.post(
            "/alerts/act",
            data={
                "csrf_token": csrf,
                "action": "ack",
                "alert_id": [alert["alert_id"], "no-such-alert"],
            },
        )
        assert done.status_code == 200
        assert "1 done, 1 refused" in done.text
        assert re.search(rf'class="ok" data-alert="{re.escape(alert["alert_id"])}"', done.text)
        assert re.search(r'class="error" data-alert="no-such-alert"', done.text)

        _, after = await pipeline.get("notifier", f"/v1/alerts/{alert['alert_id']}")
        assert after["state"] == "acked"
        assert "console-csm" in after["acked_by"]

        judged = await http.post(
            "/alerts/act",
            data={
                "csrf_token": csrf,
                "action": "not_useful",
                "alert_id": alert["alert_id"],
                "reason": "already_known",
                "note": "spoke to them yesterday",
            },
        )
        assert "1 done" in judged.text
        _, feedback = await pipeline.get("notifier", f"/v1/feedback?account={ACCOUNT}")
        [verdict] = feedback["feedback"]
        assert (verdict["reason"], verdict["note"]) == ("already_known", "spoke to them yesterday")

        missing = await http.post(
            "/alerts/act", data={"csrf_token": csrf, "action": "snooze", "alert_id": "x"}
        )
        assert missing.status_code == 422
        assert "snooze needs a date" in missing.text


async def test_viewer_inbox_and_renewals_have_no_edit_controls(pipeline: Pipeline, database_url):
    viewer_token = await token(pipeline, database_url, Role.VIEWER, "viewer@example.com")
    async with signed_in(pipeline.url("console"), viewer_token) as http:
        inbox = await http.get("/alerts")
        renewals = await http.get("/renewals?period=quarter")
        assert inbox.status_code == renewals.status_code == 200
        assert 'name="alert_id"' not in inbox.text and "Acknowledge" not in inbox.text
        assert "data-inplace" not in renewals.text


def row_of(page: str, subscription_id: str) -> str:
    """The renewal center's table row of one subscription."""
    found = re.search(rf'<tr data-subscription="{re.escape(subscription_id)}">.*?</tr>', page, re.S)
    assert found, f"no row for {subscription_id}"
    return found.group(0)


def month_offset(today: date, day: date) -> int:
    return (day.year * 12 + day.month) - (today.year * 12 + today.month)


async def test_a_managers_call_saved_in_place_is_in_the_forecast(pipeline: Pipeline, database_url):
    _, terms = await pipeline.get("renewals", f"/v1/renewals?account={ACCOUNT}")
    term = terms["items"][0]
    due = date.fromisoformat(term["renewal_date"])
    offset = month_offset(datetime.now(UTC).date(), due)
    page_path = f"/renewals?period=month&offset={offset}"

    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        assert "data-inplace" not in (await http.get(page_path)).text  # calls are managers'

    # Another team's manager sees the renewal but is not offered a call renewals refuses.
    other = await token(pipeline, database_url, Role.MANAGER, "other.manager@example.com")
    async with signed_in(pipeline.url("console"), other) as http:
        row = row_of((await http.get(page_path)).text, term["subscription_id"])
        assert "data-inplace" not in row and term["account_name"] in row

    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.MANAGER, MANAGER)
    ) as http:
        page = await http.get(page_path)
        assert page.status_code == 200
        assert "data-inplace" in row_of(page.text, term["subscription_id"])
        assert money(term["arr"], term["currency"]) == "€240,000"
        assert "€240,000" in page.text  # ARR with its currency
        csrf = await csrf_of(http, page_path)
        path = f"/renewals/{term['subscription_id']}/call"
        call = {
            "category": "commit",
            "next_step": "Exec sponsor call",
            "next_step_date": due.isoformat(),
            "note": "verbal yes",
            "renewal_date": term["renewal_date"],
        }
        forged = await http.post(path, data=call, headers={"accept": "application/json"})
        assert forged.status_code == 403
        saved = await http.post(
            path, data={**call, "csrf_token": csrf}, headers={"accept": "application/json"}
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["call"]["category"] == "commit"
        bad = await http.post(
            path,
            data={**call, "csrf_token": csrf, "category": "maybe"},
            headers={"accept": "application/json"},
        )
        assert bad.status_code == 422 and "category" in bad.json()["error"]

        span = f"from={due.replace(day=1)}&to={due}"
        _, forecast = await pipeline.get("renewals", f"/v1/forecast?{span}")
        [eur] = [t for t in forecast["totals"] if t["currency"] == "EUR"]
        assert eur["views"]["manager"]["commit"] == pytest.approx(float(term["arr"]))
        assert eur["views"]["manager"]["called"] == 1

        after = unescaped((await http.get(page_path)).text)
        assert "called by" in after and "Exec sponsor call" in after
        manager_commit = re.search(r'data-view="manager" data-category="Commit">([^<]+)<', after)
        assert manager_commit and manager_commit.group(1) == "€240,000"
        history = await http.get(f"/renewals/{term['subscription_id']}/calls")
        assert "Exec sponsor call" in history.text and "Commit" in history.text


async def test_leadership_draws_the_reports_charts_from_the_same_data(
    pipeline: Pipeline, database_url
):
    manager_token = await token(pipeline, database_url, Role.MANAGER, MANAGER)
    async with signed_in(pipeline.url("console"), manager_token) as http:
        page = await http.get("/leadership")
        assert page.status_code == 200
        for title in ("Renewals due by state", "ARR at risk by period (EUR)", "On-time"):
            assert f"<title>{title}" in page.text
        assert "On-time renewal rate" in page.text and "Logo retention" in page.text
        download = await http.get("/leadership/report.html")
        assert download.status_code == 200
        assert "attachment" in download.headers["content-disposition"]

    async with httpx.AsyncClient(headers=bearer(manager_token), timeout=30) as api:
        report = await api.get(f"{pipeline.url('renewals')}/v1/reports/renewals")
        _, kpis = await pipeline.get("renewals", "/v1/kpis")
    assert report.status_code == 200
    # The same chart module from the same rows: the same bars, bar for bar.
    assert sorted(BAR.findall(page.text)) == sorted(BAR.findall(report.text))
    assert BAR.findall(page.text)
    assert download.text == report.text
    for row in kpis["rows"]:
        resolved = row["resolved_count"]
        assert f"{row['on_time_rate']['numerator']} of {resolved} resolved" in page.text
