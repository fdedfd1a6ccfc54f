"""The console against the real services on the real broker and database: sign-in,
my book, the account page, override and alert actions, CSRF and anonymous refusal."""

from __future__ import annotations

import html
from datetime import UTC, datetime

import httpx
import pytest
from e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from e2e.scenario import OWNER, at_risk_account

from radar_console.domain.formats import money
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually

from .session import csrf_of, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

ACCOUNT = "acct-console-1"


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    running = await start_pipeline(
        kafka_bootstrap, database_url, tmp_path_factory.mktemp("console")
    )
    events = at_risk_account(ACCOUNT)
    assert len(await running.post(events)) == len(events)

    async def scored_and_alerted():
        _, health = await running.get("health", f"/v1/accounts/{ACCOUNT}/health")
        _, alerts = await running.get("notifier", f"/v1/alerts?account={ACCOUNT}")
        _, terms = await running.get("renewals", f"/v1/renewals?account={ACCOUNT}")
        ready = health and health.get("score") is not None and alerts and alerts["alerts"]
        return ready and terms and terms["items"]

    await eventually(scored_and_alerted, timeout=120, what="account scored with alerts")
    yield running
    await stop_pipeline(running)


async def token(pipeline: Pipeline, database_url: str, role: Role, email: str | None) -> str:
    registry = RuntimeSettings(database_url=database_url, auth_schema=f"{pipeline.tag}_auth")
    name = f"console-{role.value}-{datetime.now(UTC):%H%M%S%f}"
    return await api_token(registry, name=name, role=role, now=datetime.now(UTC), email=email)


async def test_anonymous_is_sent_to_sign_in_and_fragments_refused(pipeline: Pipeline):
    async with httpx.AsyncClient(base_url=pipeline.url("console"), timeout=10) as http:
        for page in ("/", f"/accounts/{ACCOUNT}"):
            answer = await http.get(page)
            assert answer.status_code == 303, page
            assert answer.headers["location"].startswith("/sign-in"), page
        for data in ("/fragments/book", f"/fragments/accounts/{ACCOUNT}", "/book.csv"):
            assert (await http.get(data)).status_code == 401, data
        forged = await http.post(f"/accounts/{ACCOUNT}/override", data={"reason": "x"})
        assert forged.status_code in (401, 403)
        headers = (await http.get("/sign-in")).headers
        assert "default-src 'self'" in headers["content-security-policy"]
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"


async def test_csm_sees_their_book_with_figures_the_apis_hold(pipeline: Pipeline, database_url):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        cookie = http.cookies.jar
        assert any(
            c.name == "radar_console_session" and c.has_nonstandard_attr("HttpOnly") for c in cookie
        )
        book = await http.get("/")
        assert book.status_code == 200
        _, terms = await pipeline.get("renewals", f"/v1/renewals?account={ACCOUNT}")
        term = terms["items"][0]
        assert f"Scripted {ACCOUNT}" in book.text
        assert term["renewal_date"] in book.text
        # ARR with its currency, as the renewals API holds it
        assert money(term["arr"], term["currency"]) in book.text, (term["arr"], term["currency"])
        assert term["currency"] == "EUR" and money(term["arr"], "EUR").startswith("€")
        # The filter form as a browser sends it: every field, empty or not.
        form = {"name": ACCOUNT, "owner": "", "segment": "", "region": "", "band": ""}
        found = await http.get("/", params={**form, "within_days": "", "sort": "name"})
        assert found.status_code == 200 and f"Scripted {ACCOUNT}" in found.text
        soon = await http.get("/", params={**form, "within_days": str(term["days_to_renewal"] - 1)})
        assert f"Scripted {ACCOUNT}" not in soon.text
        # The renewal's risk, as the renewals API holds it, keeps the account or not.
        for risk in ("high", "medium", "low"):
            by_risk = await http.get("/", params={**form, "risk": risk})
            kept = f"Scripted {ACCOUNT}" in by_risk.text
            assert kept == (risk == term["risk_band"]), (risk, term["risk_band"])
        risky_csv = await http.get("/book.csv", params={"risk": term["risk_band"]})
        assert ACCOUNT in risky_csv.text
        csv = await http.get("/book.csv")
        assert csv.status_code == 200
        assert ACCOUNT in csv.text and str(term["arr"]) in csv.text


async def test_account_page_explains_and_override_changes_the_score(
    pipeline: Pipeline, database_url
):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        page = await http.get(f"/accounts/{ACCOUNT}")
        assert page.status_code == 200
        _, health = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/health")
        shown = html.unescape(page.text)
        for component in health["components"]:
            assert component["explanation"] in shown, shown[shown.find("Measure") :][:3000]
        forged = await http.post(
            f"/accounts/{ACCOUNT}/override", data={"reason": "forged", "score": "99"}
        )
        assert forged.status_code == 403
        csrf = await csrf_of(http, f"/accounts/{ACCOUNT}")
        done = await http.post(
            f"/accounts/{ACCOUNT}/override",
            data={"csrf_token": csrf, "reason": "exec sponsor re-engaged", "score": "92"},
        )
        assert done.status_code == 303
        assert "error" not in done.headers["location"], done.headers["location"]
        _, after = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/health")
        assert after["score"] == 92
        assert after["override"]["author"].startswith("console-csm")
        fragment = await http.get(f"/fragments/accounts/{ACCOUNT}")
        assert "92 green" in fragment.text


async def test_ack_from_the_page_is_acked_in_the_notifier(pipeline: Pipeline, database_url):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        _, alerts = await pipeline.get("notifier", f"/v1/alerts?account={ACCOUNT}&state=raised")
        alert = alerts["alerts"][0]
        csrf = await csrf_of(http, f"/accounts/{ACCOUNT}")
        done = await http.post(
            f"/accounts/{ACCOUNT}/alerts/{alert['alert_id']}/ack", data={"csrf_token": csrf}
        )
        assert done.status_code == 303
        _, after = await pipeline.get("notifier", f"/v1/alerts/{alert['alert_id']}")
        assert after["state"] == "acked"
        assert after["acked_by"] and "console-csm" in after["acked_by"]


async def test_viewer_sees_no_edit_controls_and_cannot_override(pipeline: Pipeline, database_url):
    viewer_token = await token(pipeline, database_url, Role.VIEWER, "viewer@example.com")
    async with signed_in(pipeline.url("console"), viewer_token) as http:
        page = await http.get(f"/accounts/{ACCOUNT}")
        assert page.status_code == 200
        assert "/override" not in page.text
        assert "Acknowledge" not in page.text
        async with httpx.AsyncClient(headers=bearer(viewer_token)) as api:
            me = await api.get(f"{pipeline.url('health')}/v1/me")
        assert me.json()["role"] == "viewer"


async def test_sign_out_ends_the_session(pipeline: Pipeline, database_url):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        csrf = await csrf_of(http, "/")
        cookie = http.cookies.get("radar_console_session")
        out = await http.post("/sign-out", data={"csrf_token": csrf})
        assert out.status_code == 303
    async with httpx.AsyncClient(base_url=pipeline.url("console"), timeout=10) as again:
        again.cookies.set("radar_console_session", cookie or "")
        assert (await again.get("/")).status_code == 303
