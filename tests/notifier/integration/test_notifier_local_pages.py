"""The local Slack sink's and email catcher's pages, as a person reads them: the real
notifier's messages laid out (not their JSON), newest first, the same after a restart;
a button pressed on the page reaches the running notifier as Slack's signed click and
the message shows the update; an email's action link, followed from the page, acts.

The notifier's clock starts at the real time here: the sink signs clicks with it."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from notifier_harness import SIGNING_SECRET, Notifier, alert, running_notifier

from radar_notifier.local import Interactivity, SlackSink, SlackUser, SmtpCatcher
from radar_notifier.settings import NotifierSettings
from radar_runtime.testing.helpers import HEADLESS_CHROMIUM

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
# A second message to the same channel or person waits for the group interval.
NEXT = timedelta(minutes=6)
JANE = SlackUser("U0JANE01", "Jane")  # the owner's Slack id on every test alert
OMAR = SlackUser("U0OMAR01", "Omar Other")


@pytest.fixture
async def pages(
    tmp_path: Path, settings: NotifierSettings
) -> AsyncIterator[tuple[Notifier, SlackSink, SmtpCatcher]]:
    """A notifier at the real time, and sinks keeping what they get under tmp_path."""
    catcher = SmtpCatcher(journal=tmp_path / "emails.jsonl")
    await catcher.start()
    sink = SlackSink(catcher=catcher, journal=tmp_path / "slack.jsonl")
    await sink.start()
    try:
        async with running_notifier(
            settings, sink, catcher, start=datetime.now(UTC).replace(microsecond=0)
        ) as notifier:
            sink.interactivity = Interactivity(
                f"{notifier.url}/v1/slack/interactions", SIGNING_SECRET, (OMAR, JANE)
            )
            yield notifier, sink, catcher
    finally:
        await sink.stop()
        await catcher.stop()


def base(sink: SlackSink) -> str:
    return f"http://127.0.0.1:{sink.port}"


async def get(url: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as browser:
        response = await browser.get(url)
    assert response.status_code == 200, response.text
    return response


async def raise_and_deliver(
    notifier: Notifier, *accounts: str, after: timedelta = GROUP_WAIT, **fields
) -> None:
    now = notifier.clock.now()
    await notifier.publish(*(alert(a, at=now, **fields) for a in accounts))
    await notifier.deliver(after=after)


async def test_the_slack_page_lays_out_the_blocks_newest_first_and_keeps_them(pages, tmp_path):
    notifier, sink, _ = pages
    await raise_and_deliver(notifier, "acct-1")
    await raise_and_deliver(notifier, "acct-2", rule="nps.detractor", after=NEXT)
    first, second = await sink.wait_for(2)
    page = await get(f"{base(sink)}/messages")
    text = page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src" not in page.headers["content-security-policy"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    # Laid out: the header as a heading, bold as bold, fields, buttons, the channel.
    assert '<div class="hdr">' in text and "#cs-alerts" in text
    assert "<strong>Account</strong><br>Acct-1 Inc (enterprise, emea)" in text
    assert "<strong>Why</strong>" in text and "• usage_trend: -45 — Active usage fell 45 %" in text
    assert 'Jane (<span class="mention">@Jane</span>)' in text
    assert '<button class="primary" name="action_id" value="ack">Acknowledge</button>' in text
    assert '<option value="snooze:30d">30 days</option>' in text
    assert '<option value="U0JANE01" selected>Jane</option>' in text  # the owner clicks
    # Not JSON: no block object is shown.
    assert '"type"' not in text and "mrkdwn" not in text and "*Why*" not in text
    # Newest first.
    assert text.index(f'id="m{second.ts}"') < text.index(f'id="m{first.ts}"')
    raw = await get(f"{base(sink)}/messages/{first.ts}.json")
    assert raw.json()["body"] == first.body

    await sink.stop()
    again = SlackSink(journal=tmp_path / "slack.jsonl", interactivity=sink.interactivity)
    await again.start()
    try:
        assert [m.ts for m in again.messages] == [first.ts, second.ts]
        assert (await get(f"{base(again)}/messages")).text == text.replace(
            f":{sink.port}", f":{again.port}"
        )
    finally:
        await again.stop()


async def click(sink: SlackSink, ts: str, form: dict[str, str], **headers: str) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as browser:
        return await browser.post(f"{base(sink)}/messages/{ts}/click", data=form, headers=headers)


async def test_a_button_on_the_page_acts_in_the_notifier_and_the_page_shows_it(pages, tmp_path):
    notifier, sink, _ = pages
    await raise_and_deliver(notifier, "acct-1")
    [message] = await sink.wait_for(1)
    block = "alert:al-usage.sharp_drop:acct-1"
    pressed = await click(
        sink, message.ts, {"block_id": block, "action_id": "ack", "user": JANE.id}
    )
    assert pressed.status_code == 303 and pressed.headers["location"] == f"/messages#m{message.ts}"
    [shown] = await notifier.alerts()
    assert (shown["state"], shown["acked_by"]) == ("acked", "Jane <jane@example.com>")
    [entry] = (await notifier.http.get("/v1/audit")).json()["entries"]
    assert (entry["action"], entry["via"], entry["actor_subject"]) == (
        "alert.acked",
        "slack",
        "slack:U0JANE01",
    )
    page = (await get(f"{base(sink)}/messages")).text
    assert "✅ Acknowledged by Jane ·" in page
    assert 'value="ack"' not in page  # nothing left to do: the buttons went
    # The update is kept too.
    await sink.stop()
    again = SlackSink(journal=tmp_path / "slack.jsonl")
    await again.start()
    try:
        assert "✅ Acknowledged by Jane ·" in (await get(f"{base(again)}/messages")).text
    finally:
        await again.stop()


async def test_a_refused_click_is_shown_to_the_clicker_alone_and_changes_nothing(pages):
    notifier, sink, _ = pages
    await raise_and_deliver(notifier, "acct-1")
    [message] = await sink.wait_for(1)
    block = "alert:al-usage.sharp_drop:acct-1"
    # Omar is a CSM, but not this account's owner.
    form = {"block_id": block, "action_id": "snooze", "option:snooze": "snooze:1d"}
    pressed = await click(sink, message.ts, {**form, "user": OMAR.id})
    assert pressed.status_code == 303
    [shown] = await notifier.alerts()
    assert (shown["state"], shown["snoozed_until"]) == ("raised", None)
    page = (await get(f"{base(sink)}/messages")).text
    assert "Only visible to you: Renewal Radar did not do that:" in page
    assert "may not change the alerts of Acct-1 Inc" in page
    # A post from another site's page, or as nobody the sink knows, is refused.
    forged = await click(sink, message.ts, {**form, "user": JANE.id}, Origin="http://evil.test")
    assert forged.status_code == 403
    assert (await click(sink, message.ts, {**form, "user": "U0NOBODY"})).status_code == 400
    assert (await notifier.alerts())[0]["state"] == "raised"


async def test_the_email_page_shows_the_html_part_the_text_part_and_keeps_them(pages, tmp_path):
    notifier, sink, catcher = pages
    await raise_and_deliver(notifier, "acct-1", segment="smb")
    await raise_and_deliver(notifier, "acct-2", segment="smb", rule="nps.detractor", after=NEXT)
    first, second = await catcher.wait_for(2)
    page = await get(f"{base(sink)}/emails")
    text = page.text
    assert text.index('id="e2"') < text.index('id="e1"')
    assert f'<div class="hdr">{second.subject}</div>' in text
    assert "<th>To</th><td>jane@example.com</td>" in text
    assert (
        '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" src="/emails/2/html"' in text
    )
    # The text part, a click away (a closed <details>).
    assert "<details><summary>Text part</summary><pre>" in text
    assert "Acknowledge: http" in text
    framed = await get(f"{base(sink)}/emails/2/html")
    assert framed.headers["content-security-policy"].startswith("sandbox ")
    assert framed.text.count('<base target="_blank">') == 1
    assert second.part("html").strip()[:40] in framed.text

    await sink.stop()
    await catcher.stop()
    kept = SmtpCatcher(journal=tmp_path / "emails.jsonl")
    await kept.start()
    again = SlackSink(catcher=kept)
    await again.start()
    try:
        assert [m.raw for m in kept.messages] == [first.raw, second.raw]
        reread = (await get(f"{base(again)}/emails")).text
        assert reread == text
    finally:
        await again.stop()
        await kept.stop()


async def test_an_action_link_of_a_caught_email_acts(pages):
    notifier, sink, _ = pages
    await raise_and_deliver(notifier, "acct-1", segment="smb")
    framed = (await get(f"{base(sink)}/emails/1/html")).text
    link = re.search(r'href="([^"]+)"[^>]*>\s*Acknowledge', framed)
    assert link is not None, framed
    url = link.group(1).replace("&amp;", "&")
    assert url.startswith(f"{notifier.url}/")
    async with httpx.AsyncClient(timeout=30) as browser:
        confirm = await browser.get(url)
        assert confirm.status_code == 200 and '<form method="post">' in confirm.text
        done = await browser.post(url, data={})
    assert done.status_code == 200 and "Acknowledged" in done.text
    [shown] = await notifier.alerts()
    assert (shown["state"], shown["acked_by"]) == ("acked", "Jane <jane@example.com>")


async def chromium_shows(chromium: str, url: str, folder: Path, name: str) -> str:
    """The page's DOM as headless Chromium built it; a screenshot beside it to look at."""
    outputs = []
    for flag in ("--dump-dom", f"--screenshot={folder / name}.png"):
        process = await asyncio.create_subprocess_exec(
            chromium,
            *HEADLESS_CHROMIUM,
            f"--user-data-dir={folder / 'profile'}",
            "--window-size=1280,1600",
            flag,
            url,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, _ = await asyncio.wait_for(process.communicate(), 120)
        outputs.append(out.decode())
    assert (folder / f"{name}.png").stat().st_size > 10_000
    print(f"screenshot: {folder / name}.png")
    return outputs[0]


async def test_chromium_shows_both_pages_from_the_sinks_alone(pages, chromium, tmp_path):
    notifier, sink, _ = pages
    await raise_and_deliver(notifier, "acct-1")
    await raise_and_deliver(notifier, "acct-2", segment="smb", after=NEXT)
    slack = await chromium_shows(chromium, f"{base(sink)}/messages", tmp_path, "slack")
    assert "Warning: usage.sharp_drop on acct-1 — Acct-1 Inc" in slack
    assert ">Acknowledge</button>" in slack
    emails = await chromium_shows(chromium, f"{base(sink)}/emails", tmp_path, "emails")
    assert (
        '<iframe sandbox="allow-popups allow-popups-to-escape-sandbox" src="/emails/1/html"'
        in emails
    )
    # Nothing on either page is fetched from another host.
    for dom in (slack, emails):
        assert not re.findall(r'(?:src|href)="https?://(?!127\.0\.0\.1)', dom)
