"""The console in a real headless Chromium (Debian's, driven by Playwright) against the
real services, broker and database: sign in through the real OpenID Connect provider,
find an account, see why it is at risk, override its score and watch the renewal risk
follow, acknowledge an alert, and as a viewer see no edit controls. Screenshots of
each page go to screenshots/console/ (git-ignored) for a reviewer."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from e2e.scenario import OWNER, at_risk_account
from playwright.async_api import Page, async_playwright, expect

from radar_runtime.testing.auth import bearer
from radar_runtime.testing.helpers import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

ACCOUNT = "acct-browser-1"
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "console"
CSM = ("dana-sub", {"name": "Dana Reyes", "email": OWNER, "groups": ["radar-csms"]})
VIEWER = (
    "leah-sub",
    {"name": "Leah Ward", "email": "leah@example.com", "groups": ["radar-viewers"]},
)


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory, oidc_provider):
    for subject, claims in (CSM, VIEWER):
        oidc_provider.set_user(subject, claims)
    running = await start_pipeline(
        kafka_bootstrap,
        database_url,
        tmp_path_factory.mktemp("console-browser"),
        extra_env={
            "RADAR_OIDC_ISSUER": oidc_provider.issuer,
            "RADAR_CONSOLE_LIVE_SECONDS": "1",
            # The provider takes any secret from a confidential client.
            "RADAR_CONSOLE_OIDC_CLIENT_SECRET": "test-client-secret",
        },
    )
    events = at_risk_account(ACCOUNT)
    assert len(await running.post(events)) == len(events)

    async def ready():
        _, alerts = await running.get("notifier", f"/v1/alerts?account={ACCOUNT}&state=raised")
        _, renewal = await running.get("renewals", f"/v1/renewals/{ACCOUNT}-sub")
        return alerts and alerts["alerts"] and renewal and renewal.get("current")

    await eventually(ready, timeout=120, what="account with raised alerts and a renewal")
    yield running
    await stop_pipeline(running)


async def sign_in(page: Page, console: str, subject: str) -> None:
    await page.goto(console + "/")
    await expect(page).to_have_url(f"{console}/sign-in?next=/")
    await page.get_by_role("link", name="Sign in with your company account").click()
    await page.locator("input[name=sub]").fill(subject)
    await page.get_by_role("button", name="Authorize").click()
    await expect(page.get_by_role("heading", name="My book")).to_be_visible()


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def test_a_csm_understands_and_acts_then_a_viewer_cannot(pipeline: Pipeline, chromium):
    console = pipeline.url("console")
    _, before = await pipeline.get("renewals", f"/v1/renewals/{ACCOUNT}-sub")
    risk_before = before["current"]["risk_band"]
    drivers = [d["explanation"] for d in before["current"]["drivers"]]
    assert drivers, "the scripted account has risk drivers"
    async with async_playwright() as driver:
        browser = await driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"] if os.geteuid() == 0 else []
        )
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await sign_in(page, console, CSM[0])
            await expect(page.locator(".who")).to_contain_text("Dana Reyes · csm")
            await shot(page, "1-my-book")

            # Find the account by name and open it.
            await page.get_by_role("searchbox", name="Name").fill(ACCOUNT)
            await page.get_by_role("button", name="Show").click()
            await page.get_by_role("link", name=f"Scripted {ACCOUNT}").click()
            await expect(page.get_by_role("heading", name="Risk drivers")).to_be_visible()
            for explanation in drivers:
                await expect(page.locator(".drivers")).to_contain_text(explanation)
            await shot(page, "2-account")

            # Override the score: the page and the renewal risk follow.
            await page.get_by_label("Score (0–100)").fill("95")
            await page.get_by_label("Reason").fill("exec sponsor re-engaged")
            await page.get_by_role("button", name="Set override").click()
            await expect(page.get_by_test_id("score")).to_have_text("95 green")

            async def risk_moved():
                _, now = await pipeline.get("renewals", f"/v1/renewals/{ACCOUNT}-sub")
                return now["current"] if now["current"]["risk_band"] != risk_before else None

            after = await eventually(risk_moved, timeout=60, what="renewal risk after override")
            # Refreshed in place, without a reload.
            await expect(page.get_by_test_id("risk")).to_have_text(
                after["risk_band"], timeout=20000
            )
            await shot(page, "3-account-overridden")

            # Acknowledge an alert; the notifier holds it as acknowledged by her.
            _, raised = await pipeline.get("notifier", f"/v1/alerts?account={ACCOUNT}&state=raised")
            alert = raised["alerts"][0]
            row = page.locator(f'li[data-alert="{alert["alert_id"]}"]')
            await row.get_by_role("button", name="Acknowledge").click()
            await expect(page.locator(f'li[data-alert="{alert["alert_id"]}"] .state')).to_have_text(
                "acked"
            )
            _, acked = await pipeline.get("notifier", f"/v1/alerts/{alert['alert_id']}")
            assert acked["state"] == "acked"
            assert "Dana Reyes" in acked["acked_by"]
            await shot(page, "4-account-acked")
            await page.get_by_role("button", name="Sign out").click()
            await expect(page).to_have_url(f"{console}/sign-in")
            await shot(page, "0-sign-in")

            # A viewer: no edit controls; a forged POST without the CSRF token is refused.
            await sign_in(page, console, VIEWER[0])
            await page.goto(f"{console}/accounts/{ACCOUNT}")
            await expect(page.get_by_role("heading", name="Risk drivers")).to_be_visible()
            assert await page.get_by_role("button", name="Set override").count() == 0
            assert await page.get_by_role("button", name="Acknowledge").count() == 0
            forged = await page.request.post(
                f"{console}/accounts/{ACCOUNT}/override",
                form={"reason": "forged", "score": "1"},
                max_redirects=0,
            )
            assert forged.status == 403
            await shot(page, "5-account-viewer")

            # On a phone the book is still readable.
            phone = await browser.new_page(viewport={"width": 390, "height": 844})
            await sign_in(phone, console, CSM[0])
            await expect(phone.get_by_role("link", name=f"Scripted {ACCOUNT}")).to_be_visible()
            await shot(phone, "6-my-book-phone")
        finally:
            await browser.close()
    async with httpx.AsyncClient(headers=bearer(pipeline.admin_token)) as api:
        health = (await api.get(f"{pipeline.url('health')}/v1/accounts/{ACCOUNT}/health")).json()
    assert health["score"] == 95
    assert health["override"]["author"].startswith("Dana Reyes")
