"""Acting from an email: the signed links of a real email, followed by a real HTTP
client without any credential. Following a link changes nothing; its page's POST
button acts once, as the recipient it was made for."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta

import httpx
import pytest
from notifier_harness import T0, alert

from radar_notifier.domain.email_links import Claim, EmailLinks

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
JANE = "jane@example.com"
KEY = "usage.sharp_drop:acct-1"
LINK = re.compile(r"^(Acknowledge|Snooze 7 days|Not useful): (http\S+)", re.MULTILINE)


def smb(account: str = "acct-1", **fields):
    return alert(account, segment="smb", **fields)


async def links_to(notifier, smtp_catcher, address: str = JANE) -> dict[str, str]:
    """The action links of the newest email to `address`, by label."""
    [*_, email] = smtp_catcher.to(address)
    text = email.part("plain")
    found = dict(LINK.findall(text))
    assert set(found) == {"Acknowledge", "Snooze 7 days", "Not useful"}, text
    for url in found.values():
        assert f'href="{url}"' in email.part("html")
    return found


async def emailed(notifier, smtp_catcher, *events) -> dict[str, str]:
    await notifier.publish(*(events or (smb(),)))
    await notifier.deliver(after=GROUP_WAIT)
    return await links_to(notifier, smtp_catcher)


async def follow(url: str, form: dict[str, str] | None = None) -> httpx.Response:
    """What a browser does: GET the link, or POST its page's form; no credential."""
    async with httpx.AsyncClient(timeout=30) as browser:
        if form is None:
            return await browser.get(url)
        return await browser.post(url, data=form)


async def audit(notifier) -> list[dict]:
    return list((await notifier.http.get("/v1/audit")).json()["entries"])


async def state(notifier) -> tuple:
    [shown] = await notifier.alerts(account="acct-1")
    return shown["state"], shown["acked_by"], shown["snoozed_until"]


async def test_acknowledge_from_an_email_after_a_confirmation_page(notifier, smtp_catcher):
    links = await emailed(notifier, smtp_catcher)
    page = await follow(links["Acknowledge"])
    assert page.status_code == 200
    assert '<form method="post">' in page.text and "as Jane?" in page.text
    assert await state(notifier) == ("raised", None, None)  # following changes nothing
    assert await audit(notifier) == []

    done = await follow(links["Acknowledge"], form={})
    assert done.status_code == 200 and "Acknowledged" in done.text
    assert await state(notifier) == ("acked", "Jane <jane@example.com>", None)
    [entry] = await audit(notifier)
    assert (entry["action"], entry["via"], entry["actor_subject"]) == (
        "alert.acked",
        "email",
        "email:jane@example.com",
    )
    # Single use: the same link again is refused, and nothing more is logged.
    for again in (await follow(links["Acknowledge"], form={}), await follow(links["Acknowledge"])):
        assert again.status_code == 410 and "used already" in again.text
    assert len(await audit(notifier)) == 1


async def test_snooze_and_not_useful_links(notifier, smtp_catcher):
    links = await emailed(notifier, smtp_catcher)
    assert (await follow(links["Snooze 7 days"], form={})).status_code == 200
    assert (await state(notifier))[2].startswith((T0 + timedelta(days=7)).isoformat()[:16])

    page = await follow(links["Not useful"])
    assert 'name="reason" value="already_known"' in page.text
    missing = await follow(links["Not useful"], form={"reason": "boring"})
    assert missing.status_code == 422
    done = await follow(links["Not useful"], form={"reason": "already_known", "note": "Known."})
    assert done.status_code == 200 and "Already known" in done.text
    [verdict] = (await notifier.http.get("/v1/feedback")).json()["feedback"]
    assert (verdict["reason"], verdict["note"], verdict["via"], verdict["by_name"]) == (
        "already_known",
        "Known.",
        "email",
        "Jane",
    )


async def test_a_changed_link_is_refused_and_changes_nothing(notifier, smtp_catcher):
    links = await emailed(notifier, smtp_catcher)
    url = links["Acknowledge"]
    base, token = url.rsplit("/", 1)
    body, mac = token.split(".")
    fields = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    # The recipient, the action or the alert changed, the signature kept.
    for changed in (
        [fields[0], fields[1], "max@example.com", fields[3]],
        [fields[0], "snooze:30d", fields[2], fields[3]],
        ["al-nps.detractor:acct-1", *fields[1:]],
        [*fields[:3], fields[3] + 86400],
    ):
        forged = base64.urlsafe_b64encode(json.dumps(changed).encode()).decode().rstrip("=")
        for form in (None, {}):
            response = await follow(f"{base}/{forged}.{mac}", form)
            assert response.status_code == 403 and "not valid" in response.text
    # Signed with another secret, or not a link at all.
    other = EmailLinks(notifier.url, b"another-secret-of-at-least-32-characters", timedelta(days=7))
    claim = Claim(f"al-{KEY}", "ack", JANE, T0 + timedelta(days=1))
    assert (await follow(other.url(claim), {})).status_code == 403
    for junk in ("x", "a.b", "é.é"):
        assert (await follow(f"{base}/{junk}", {})).status_code == 403
    # Control characters never reach the link's check: the runtime refuses them first.
    nul = await follow(f"{base}/%00.%00", {})
    assert nul.status_code == 422 and nul.json()["error"]["details"][0]["field"] == "path"
    assert await state(notifier) == ("raised", None, None)
    assert await audit(notifier) == []


async def test_an_expired_link_is_refused(notifier, smtp_catcher):
    links = await emailed(notifier, smtp_catcher)
    notifier.clock.advance(timedelta(days=7))
    for form in (None, {}):
        response = await follow(links["Acknowledge"], form)
        assert response.status_code == 410 and "expired on 2026-03-09 09:00 UTC" in response.text
    assert await state(notifier) == ("raised", None, None)


async def test_a_link_whose_recipient_may_no_longer_act_is_refused(notifier, smtp_catcher):
    links = await emailed(notifier, smtp_catcher)
    # The account changed hands: the alert now names Bob as its owner.
    await notifier.publish(smb(csm="bob", at=T0 + timedelta(minutes=1)))
    for form in (None, {}):
        response = await follow(links["Acknowledge"], form)
        assert response.status_code == 403
        assert "jane@example.com is not the owner or manager of Acct-1 Inc" in response.text
    assert await state(notifier) == ("raised", None, None)
    assert await audit(notifier) == []


async def test_the_manager_acts_from_their_own_email(notifier, smtp_catcher):
    # A critical alert goes to the owner and the manager, each with their own links.
    await notifier.publish(smb(severity="critical"))
    await notifier.deliver(after=GROUP_WAIT)
    jane, max_ = (
        await links_to(notifier, smtp_catcher),
        await links_to(notifier, smtp_catcher, "max@example.com"),
    )
    assert jane["Acknowledge"] != max_["Acknowledge"]
    assert (await follow(max_["Acknowledge"], {})).status_code == 200
    [entry] = await audit(notifier)
    assert (entry["actor_name"], entry["actor_role"], entry["via"]) == (
        "Max Boss",
        "manager",
        "email",
    )
    # Jane's link names the same alert: acknowledged already, it has nothing left to do.
    assert (await follow(jane["Snooze 7 days"], {})).status_code == 200
    assert (await state(notifier))[0] == "acked"
