"""The console in a real headless Chromium (Debian's, driven by Playwright) against the
real services, broker and database, one pipeline and one browser for every test here.
A CSM signs in through the real OpenID Connect provider, finds an account, sees why it
is at risk, overrides its score and watches the renewal risk follow, acknowledges an
alert, and works the alerts inbox; a manager calls a renewal in place; a viewer sees no
edit controls and is refused; the book fits a phone; the main actions are reachable
with Tab. Each step is checked against the API that owns the fact. Screenshots of each
page go to screenshots/console/ (git-ignored) for a reviewer."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from e2e.scenario import MANAGER, OWNER, at_risk_account
from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from radar_console.domain.formats import money, percent, score
from radar_runtime.testing.auth import bearer
from radar_runtime.testing.helpers import eventually

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

ACCOUNT = "acct-browser-1"  # overridden and acknowledged on its page
INBOX = ("acct-browser-2", "acct-browser-3")  # worked in the alerts inbox
CALLED = "acct-browser-4"  # the manager calls its renewal
SHOTS = Path(__file__).resolve().parents[2] / "screenshots" / "console"
CSM = ("dana-sub", {"name": "Dana Reyes", "email": OWNER, "groups": ["radar-csms"]})
MANAGER_USER = (
    "sam-sub",
    {"name": "Sam Okafor", "email": MANAGER, "groups": ["radar-managers"]},
)
VIEWER = (
    "leah-sub",
    {"name": "Leah Ward", "email": "leah@example.com", "groups": ["radar-viewers"]},
)
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory, oidc_provider):
    for subject, claims in (CSM, MANAGER_USER, VIEWER):
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
    accounts = (ACCOUNT, *INBOX, CALLED)
    for account in accounts:
        events = at_risk_account(account)
        assert len(await running.post(events)) == len(events)

    async def ready():
        for account in accounts:
            _, alerts = await running.get("notifier", f"/v1/alerts?account={account}&state=raised")
            _, renewal = await running.get("renewals", f"/v1/renewals/{account}-sub")
            if not (alerts and alerts["alerts"] and renewal and renewal.get("current")):
                return False
        return True

    await eventually(ready, timeout=180, what="accounts with raised alerts and a renewal")
    # Health's usage worker rescores once the 40 days of usage are all in: read after.
    await running.settled(quiet_seconds=12)
    yield running
    await stop_pipeline(running)


@pytest.fixture(scope="module")
async def browser(chromium) -> AsyncIterator[Browser]:
    async with async_playwright() as driver:
        launched = await driver.chromium.launch(
            executable_path=chromium, args=["--no-sandbox"] if os.geteuid() == 0 else []
        )
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in_page(
    browser: Browser, console: str, subject: str, viewport: dict[str, int] = DESKTOP
) -> Page:
    """A fresh browser context (no cookies) signed in through the OIDC provider."""
    context = await browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    page = await context.new_page()
    await page.goto(console + "/")
    await expect(page).to_have_url(f"{console}/sign-in?next=/")
    await page.get_by_role("link", name="Sign in with your company account").click()
    await page.locator("input[name=sub]").fill(subject)
    await page.get_by_role("button", name="Authorize").click()
    await expect(page.get_by_role("heading", name="My book")).to_be_visible()
    return page


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


async def api_get(pipeline: Pipeline, service: str, path: str) -> Any:
    async with httpx.AsyncClient(headers=bearer(pipeline.admin_token), timeout=30) as api:
        answer = await api.get(f"{pipeline.url(service)}{path}")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def raised(pipeline: Pipeline, *accounts: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for account in accounts:
        listed = await api_get(pipeline, "notifier", f"/v1/alerts?account={account}&state=raised")
        found.extend(listed["alerts"])
    return found


async def csrf_on(page: Page) -> str:
    return await page.locator("form.signout input[name=csrf_token]").input_value()


async def tab_to(page: Page, target: Locator, limit: int = 120) -> int:
    """Press Tab until the target has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        await page.keyboard.press("Tab")
        if await target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached with {limit} presses of Tab")


async def test_a_csm_finds_an_account_understands_it_and_acts(pipeline: Pipeline, browser):
    console = pipeline.url("console")
    health = await api_get(pipeline, "health", f"/v1/accounts/{ACCOUNT}/health")
    before = (await api_get(pipeline, "renewals", f"/v1/renewals/{ACCOUNT}-sub"))["current"]
    assert health["components"] and before["drivers"], "the scripted account has drivers"

    page = await signed_in_page(browser, console, CSM[0])
    await expect(page.locator(".who")).to_contain_text("Dana Reyes · csm")
    # The book lands on her accounts, each row as health and renewals hold it.
    row = page.locator("table.book tr", has=page.get_by_role("link", name=f"Scripted {ACCOUNT}"))
    await expect(row.locator(".band")).to_have_text(f"{score(health['score'])} {health['band']}")
    await expect(row.locator(".risk")).to_have_text(before["risk_band"])
    await expect(row).to_contain_text(money(before["arr"], before["currency"]))
    await shot(page, "01-my-book")

    # Find the account by name and open it: its drivers as the APIs explain them.
    await page.get_by_role("searchbox", name="Name").fill(ACCOUNT)
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("table.book tbody tr")).to_have_count(1)
    await page.get_by_role("link", name=f"Scripted {ACCOUNT}").click()
    await expect(page.get_by_role("heading", name="Risk drivers")).to_be_visible()
    components = page.locator("section[aria-labelledby=health-h] tbody")
    for component in health["components"]:
        await expect(components).to_contain_text(component["explanation"])
    for driver in before["drivers"]:
        await expect(page.locator(".drivers")).to_contain_text(driver["explanation"])
    await expect(page.get_by_test_id("score")).to_have_text(
        f"{score(health['score'])} {health['band']}"
    )
    await expect(page.get_by_test_id("risk")).to_have_text(before["risk_band"])
    await shot(page, "02-account")

    # Override the score: the health API holds it, the renewal risk follows, and the
    # page says what both APIs say, refreshed in place.
    await page.get_by_label("Score (0–100)").fill("95")
    await page.get_by_label("Reason").fill("exec sponsor re-engaged")
    await page.get_by_role("button", name="Set override").click()
    await expect(page.get_by_test_id("score")).to_have_text("95 green")
    overridden = await api_get(pipeline, "health", f"/v1/accounts/{ACCOUNT}/health")
    assert (overridden["score"], overridden["band"], overridden["source"]) == (
        95,
        "green",
        "override",
    )
    assert overridden["override"]["author"].startswith("Dana Reyes")

    async def risk_moved():
        now = await api_get(pipeline, "renewals", f"/v1/renewals/{ACCOUNT}-sub")
        return now["current"] if now["current"]["risk_band"] != before["risk_band"] else None

    after = await eventually(risk_moved, timeout=60, what="renewal risk after override")
    assert after["p_renew"] > before["p_renew"]
    await expect(page.get_by_test_id("risk")).to_have_text(after["risk_band"], timeout=20000)
    await expect(page.get_by_test_id("p-renew")).to_have_text(percent(after["p_renew"]))
    await shot(page, "03-account-overridden")

    # A forged POST (no CSRF token) is refused and changes nothing.
    forged = await page.request.post(
        f"{console}/accounts/{ACCOUNT}/override",
        form={"reason": "forged", "score": "1"},
        max_redirects=0,
    )
    assert forged.status == 403
    unchanged = await api_get(pipeline, "health", f"/v1/accounts/{ACCOUNT}/health")
    assert unchanged["score"] == 95

    # Acknowledge an alert; the notifier holds it as acknowledged by her, by name.
    alert = (await raised(pipeline, ACCOUNT))[0]
    item = page.locator(f'li[data-alert="{alert["alert_id"]}"]')
    await item.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator(f'li[data-alert="{alert["alert_id"]}"] .state')).to_have_text("acked")
    acked = await api_get(pipeline, "notifier", f"/v1/alerts/{alert['alert_id']}")
    assert acked["state"] == "acked"
    assert "Dana Reyes" in acked["acked_by"]
    await expect(page.locator(f'li[data-alert="{alert["alert_id"]}"]')).to_contain_text(
        f"by {acked['acked_by']}"
    )
    await shot(page, "04-account-acked")

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(f"{console}/sign-in")
    await shot(page, "00-sign-in")
    await page.context.close()


async def test_the_inbox_acks_snoozes_and_judges_many_at_once(pipeline: Pipeline, browser):
    alerts = await raised(pipeline, *INBOX)
    assert len(alerts) >= 4, [a["title"] for a in alerts]
    page = await signed_in_page(browser, pipeline.url("console"), CSM[0])
    await page.get_by_role("link", name="Alerts").click()
    await expect(page.get_by_role("heading", name="Alerts inbox")).to_be_visible()
    for alert in alerts:
        await expect(page.locator(f'tr[data-alert="{alert["alert_id"]}"]')).to_contain_text(
            alert["title"]
        )
    await shot(page, "05-alerts-inbox")

    def tick(alert: dict[str, Any]) -> Locator:
        return page.locator(f'input[name=alert_id][value="{alert["alert_id"]}"]')

    # Two at once: acknowledged, each by her.
    for alert in alerts[:2]:
        await tick(alert).check()
    await page.get_by_role("button", name="Acknowledge").click()
    await expect(page.locator(".outcomes h2")).to_have_text("Done: 2 done")
    for alert in alerts[:2]:
        held = await api_get(pipeline, "notifier", f"/v1/alerts/{alert['alert_id']}")
        assert held["state"] == "acked" and "Dana Reyes" in held["acked_by"]
        await expect(page.locator(f'tr[data-alert="{alert["alert_id"]}"]')).to_have_count(0)
    await shot(page, "06-alerts-acked")

    # Snoozed until a date.
    until = (datetime.now(UTC) + timedelta(days=14)).date()
    await tick(alerts[2]).check()
    await page.get_by_label("Snooze until").fill(until.isoformat())
    await page.get_by_role("button", name="Snooze").click()
    await expect(page.locator(".outcomes h2")).to_have_text("Done: 1 done")
    snoozed = await api_get(pipeline, "notifier", f"/v1/alerts/{alerts[2]['alert_id']}")
    assert snoozed["state"] == "snoozed"
    assert snoozed["snoozed_until"].startswith(until.isoformat())

    # Not useful, with a reason and a note: the notifier keeps the verdict.
    await tick(alerts[3]).check()
    await page.get_by_label("Not useful because").select_option("already_known")
    await page.get_by_label("Note").fill("spoke to them yesterday")
    await page.get_by_role("button", name="Not useful").click()
    await expect(page.locator(".outcomes h2")).to_have_text("Done: 1 done")
    feedback = await api_get(
        pipeline, "notifier", f"/v1/feedback?account={alerts[3]['account_id']}"
    )
    verdicts = [f for f in feedback["feedback"] if f["alert_id"] == alerts[3]["alert_id"]]
    assert [(v["reason"], v["note"]) for v in verdicts] == [
        ("already_known", "spoke to them yesterday")
    ]
    await shot(page, "07-alerts-judged")
    await page.context.close()


def month_offset(today: date, day: date) -> int:
    return (day.year * 12 + day.month) - (today.year * 12 + today.month)


async def test_a_manager_calls_a_renewal_in_place_and_the_forecast_has_it(
    pipeline: Pipeline, browser
):
    term = (await api_get(pipeline, "renewals", f"/v1/renewals/{CALLED}-sub"))["current"]
    due = date.fromisoformat(term["renewal_date"])
    offset = month_offset(datetime.now(UTC).date(), due)
    console = pipeline.url("console")
    page = await signed_in_page(browser, console, MANAGER_USER[0])
    await expect(page.locator(".who")).to_contain_text("Sam Okafor · manager")
    await page.goto(f"{console}/renewals?period=month&offset={offset}")
    row = page.locator(f'tr[data-subscription="{term["subscription_id"]}"]')
    await expect(row).to_contain_text(money(term["arr"], term["currency"]))
    await shot(page, "08-renewal-center")

    # Nothing is called until the manager chooses: no category is preselected.
    await expect(row.locator("select[name=category]")).to_have_value("")
    await row.locator("select[name=category]").select_option("commit")
    await row.locator("input[name=next_step]").fill("Exec sponsor call")
    await row.locator("input[name=next_step_date]").fill(due.isoformat())
    await row.locator("input[name=note]").fill("verbal yes")
    url_before = page.url
    await row.get_by_role("button", name="Save").click()
    await expect(row.locator(".call-status")).to_contain_text("Saved: called by Sam Okafor")
    assert page.url == url_before  # saved in place, no reload

    span = f"from={due.replace(day=1)}&to={due}"
    forecast = await api_get(pipeline, "renewals", f"/v1/forecast?{span}")
    [eur] = [t for t in forecast["totals"] if t["currency"] == "EUR"]
    assert eur["views"]["manager"]["commit"] == pytest.approx(float(term["arr"]))
    assert eur["views"]["manager"]["called"] == 1
    calls = await api_get(pipeline, "renewals", f"/v1/renewals/{term['subscription_id']}/calls")
    assert calls["items"][0]["by_name"] == "Sam Okafor"
    assert calls["items"][0]["next_step"] == "Exec sponsor call"

    await page.reload()
    commit = page.locator(
        'table.views[data-currency="EUR"] [data-view=manager][data-category=Commit]'
    )
    await expect(commit).to_have_text(money(eur["views"]["manager"]["commit"], "EUR"))
    await shot(page, "09-renewal-called")

    await page.get_by_role("link", name="Leadership").click()
    await expect(page.get_by_role("heading", name="Leadership", exact=True)).to_be_visible()
    await shot(page, "10-leadership")
    await page.context.close()


async def test_a_viewer_sees_no_edit_controls_and_is_refused(pipeline: Pipeline, browser):
    console = pipeline.url("console")
    page = await signed_in_page(browser, console, VIEWER[0])
    await expect(page.locator(".who")).to_contain_text("Leah Ward · viewer")
    await page.goto(f"{console}/accounts/{CALLED}")
    await expect(page.get_by_role("heading", name="Risk drivers")).to_be_visible()
    assert await page.get_by_role("button", name="Set override").count() == 0
    assert await page.get_by_role("button", name="Acknowledge").count() == 0
    await shot(page, "11-account-viewer")
    await page.goto(f"{console}/alerts")
    assert await page.locator("input[name=alert_id]").count() == 0
    assert await page.get_by_role("button", name="Acknowledge").count() == 0
    await page.goto(f"{console}/renewals?period=quarter")
    assert await page.locator("form[data-inplace]").count() == 0

    # Even with the session's CSRF token, a viewer's change is refused.
    token = await csrf_on(page)
    before = await api_get(pipeline, "health", f"/v1/accounts/{CALLED}/health")
    override = await page.request.post(
        f"{console}/accounts/{CALLED}/override",
        form={"csrf_token": token, "reason": "not mine to change", "score": "5"},
        max_redirects=0,
    )
    assert override.status == 403
    assert (await api_get(pipeline, "health", f"/v1/accounts/{CALLED}/health")) == before
    alert = (await raised(pipeline, CALLED))[0]
    ack = await page.request.post(
        f"{console}/alerts/act",
        form={"csrf_token": token, "action": "ack", "alert_id": alert["alert_id"]},
        max_redirects=0,
    )
    assert ack.status == 403
    held = await api_get(pipeline, "notifier", f"/v1/alerts/{alert['alert_id']}")
    assert held["state"] == "raised"
    await page.context.close()


async def test_the_book_fits_a_phone(pipeline: Pipeline, browser):
    page = await signed_in_page(
        browser, pipeline.url("console"), CSM[0], {"width": 390, "height": 844}
    )
    await expect(page.get_by_role("link", name=f"Scripted {CALLED}")).to_be_visible()
    widths = await page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"the book scrolls sideways on a phone: {widths}"
    await shot(page, "12-my-book-phone")
    await page.context.close()


async def test_the_main_actions_are_reachable_with_the_keyboard(pipeline: Pipeline, browser):
    console = pipeline.url("console")
    page = await signed_in_page(browser, console, CSM[0])
    # The first Tab offers to skip the navigation.
    await page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    assert await skip.evaluate("element => element === document.activeElement")

    # Search and open an account with the keyboard alone.
    await tab_to(page, page.get_by_role("searchbox", name="Name"))
    await page.keyboard.type(CALLED)
    await tab_to(page, page.get_by_role("button", name="Show"))
    await page.keyboard.press("Enter")
    await expect(page.locator("table.book tbody tr")).to_have_count(1)
    await tab_to(page, page.get_by_role("link", name=f"Scripted {CALLED}"))
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Risk drivers")).to_be_visible()
    await tab_to(page, page.get_by_role("button", name="Set override"))
    await tab_to(page, page.get_by_role("button", name="Acknowledge").first)

    await page.goto(f"{console}/alerts")
    await tab_to(page, page.locator("input[name=alert_id]").first)
    await page.keyboard.press("Space")
    await expect(page.locator("input[name=alert_id]").first).to_be_checked()
    await page.goto(f"{console}/alerts")
    await tab_to(page, page.get_by_role("button", name="Acknowledge"))
    await tab_to(page, page.get_by_role("button", name="Not useful"))
    await page.context.close()
