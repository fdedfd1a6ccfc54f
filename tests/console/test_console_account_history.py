"""The account page's history against the real services: what changed between two
points, usage over time, the timeline (people by name, amounts in their currency), the
override history, and the book's 30-day trend, each agreeing with the APIs."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from e2e.scenario import OWNER, at_risk_account, event

from radar_console.domain.account import compared_points, measure_label, score_points
from radar_console.domain.formats import money, score, when
from radar_console.domain.timeline import event_text, opportunity_text
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token
from radar_runtime.testing.helpers import eventually

from .session import csrf_of, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(300)]

ACCOUNT = "acct-console-history"


def extra_events(now: datetime) -> list:
    subscription = f"{ACCOUNT}-sub"
    # Enough for a second page of the timeline: a call with the sponsor every other day.
    calls = [
        event(
            "engagement.logged",
            ACCOUNT,
            now - timedelta(days=60 - 2 * n, hours=1),
            {"kind": "call", "contact_id": "c-exec"},
        )
        for n in range(20)
    ]
    return [
        *calls,
        event(
            "contact.identified",
            ACCOUNT,
            now - timedelta(days=299),
            {"contact_id": "c-exec", "name": "Ana Silva"},
        ),
        event(
            "nps.submitted", ACCOUNT, now - timedelta(days=45), {"contact_id": "c-exec", "score": 9}
        ),
        event(
            "nps.submitted",
            ACCOUNT,
            now - timedelta(days=4),
            {"contact_id": "c-exec", "score": 2, "comment": "too slow lately"},
        ),
        event(
            "ticket.opened",
            ACCOUNT,
            now - timedelta(days=6),
            {"ticket_id": "T-77", "priority": "urgent", "status": "open", "escalated": True},
        ),
        event(
            "renewal.opportunity_updated",
            ACCOUNT,
            now - timedelta(days=5),
            {
                "opportunity_id": "O-1",
                "subscription_id": subscription,
                "stage": "Negotiation",
                "forecast_category": "best_case",
                "close_date": (now + timedelta(days=50)).date().isoformat(),
                "amount": 250000.0,
            },
        ),
    ]


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    running = await start_pipeline(
        kafka_bootstrap, database_url, tmp_path_factory.mktemp("console-history")
    )
    now = datetime.now(UTC)
    events = at_risk_account(ACCOUNT, now) + extra_events(now)
    assert len(await running.post(events)) == len(events)

    async def ready():
        _, trends = await running.get("health", f"/v1/trends?account={ACCOUNT}&days=30")
        _, timeline = await running.get("health", f"/v1/accounts/{ACCOUNT}/events?limit=200")
        _, opportunities = await running.get("renewals", f"/v1/accounts/{ACCOUNT}/opportunities")
        return (
            trends
            and len(trends["accounts"][0]["points"]) >= 20  # the replayed history is in
            and timeline
            and len(timeline["events"]) == 29  # 6 scripted, 23 here (not the naming)
            and opportunities
            and opportunities.get("items")
        )

    await eventually(ready, timeout=150, what="history replayed and every event stored")
    yield running
    await stop_pipeline(running)


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def token(pipeline: Pipeline, database_url: str, role: Role, email: str) -> str:
    registry = RuntimeSettings(database_url=database_url, auth_schema=f"{pipeline.tag}_auth")
    name = f"console-{role.value}-{datetime.now(UTC):%H%M%S%f}"
    return await api_token(registry, name=name, role=role, now=datetime.now(UTC), email=email)


async def test_what_changed_shows_what_the_health_api_answers(pipeline: Pipeline, database_url):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        page = await http.get(f"/accounts/{ACCOUNT}")
        assert page.status_code == 200
        shown = html.unescape(page.text)
        _, history = await pipeline.get(
            "health", f"/v1/accounts/{ACCOUNT}/health/history?days=90&limit=1000"
        )
        pair = compared_points(score_points(history["points"]), None, None)
        assert pair is not None
        _, changes = await pipeline.get(
            "health",
            f"/v1/accounts/{ACCOUNT}/health/changes?from={quote(pair[0])}&to={quote(pair[1])}",
        )
        a, b = changes["from"], changes["to"]
        line = re.search(r'data-testid="score-change">(.*?)</p>', shown, re.S)
        assert line, shown[:2000]
        text = " ".join(re.sub(r"<[^>]+>", " ", line.group(1)).split())
        assert f"{score(a['score'])} {a['band']} → {score(b['score'])} {b['band']}" in text, text
        assert f"from {when(a['at'])} to {when(b['at'])}" in text
        # The month saw the NPS fall, the champion leave, usage drop and a ticket open.
        moved = {m["measure"] for m in changes["moves"]}
        assert {"satisfaction", "relationship", "usage_trend"} <= moved, moved
        for move in changes["moves"]:
            row = re.search(rf'<tr data-measure="{move["measure"]}">(.*?)</tr>', shown, re.S)
            assert row, move["measure"]
            cells = row.group(1)
            assert measure_label(move["measure"]) in cells
            assert f"{score(move['from_sub_score'])} → {score(move['to_sub_score'])}" in cells

        # Two points picked by the form: the page asks for exactly those.
        first, second = history["points"][0]["at"], history["points"][5]["at"]
        picked = await http.get(f"/accounts/{ACCOUNT}", params={"from": second, "to": first})
        _, expected = await pipeline.get(
            "health",
            f"/v1/accounts/{ACCOUNT}/health/changes?from={quote(first)}&to={quote(second)}",
        )
        picked_text = html.unescape(picked.text)
        assert f"from {when(expected['from']['at'])} to {when(expected['to']['at'])}" in picked_text
        assert f'<option value="{first}" selected>' in picked.text


async def test_timeline_usage_and_override_history_agree_with_the_apis(
    pipeline: Pipeline, database_url
):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        csrf = await csrf_of(http, f"/accounts/{ACCOUNT}")
        done = await http.post(
            f"/accounts/{ACCOUNT}/override",
            data={"csrf_token": csrf, "reason": "renewal verbally agreed", "band": "yellow"},
        )
        assert done.status_code == 303 and "error" not in done.headers["location"]
        page = await http.get(f"/accounts/{ACCOUNT}")
        shown = html.unescape(page.text)

        _, events = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/events?limit=25")
        _, opportunities = await pipeline.get(
            "renewals", f"/v1/accounts/{ACCOUNT}/opportunities?limit=25"
        )
        entries = re.findall(r'<li data-source="(\w+)"><time datetime="([^"]+)">', page.text)
        assert len(entries) == 25
        instants = [instant(at) for _, at in entries]
        assert instants == sorted(instants, reverse=True)
        for event_ in events["events"][:10]:
            assert event_text(event_)[1] in shown, event_text(event_)
        opportunity = opportunities["items"][0]
        assert opportunity_text(opportunity) in shown
        assert money(250000.0, "EUR") in opportunity_text(opportunity)  # its currency
        assert "NPS 2 from Ana Silva — “too slow lately”" in shown  # named by name
        assert "Call with Ana Silva" in shown
        older = re.search(
            r'href="(/accounts/[^"]+events_health=[^"#]+)#timeline">Older events', page.text
        )
        assert older, "a second page"
        second_page = (await http.get(html.unescape(older.group(1)))).text
        later = re.findall(r'<li data-source="\w+"><time datetime="([^"]+)">', second_page)
        _, every = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/events?limit=200")
        expected = sorted(
            (instant(e["occurred_at"]) for e in every["events"] + opportunities["items"]),
            reverse=True,
        )
        # Both pages together: every event of both services, each once, newest first.
        assert instants + [instant(at) for at in later] == expected
        assert "Older events" not in second_page

        # Usage: the chart's points are the usage API's daily totals.
        _, usage = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/usage?days=90")
        drawn = re.findall(
            r'data-series="logins" data-category="([^"]+)" data-value="([^"]+)"', page.text
        )
        assert [(d, float(v)) for d, v in drawn] == list(
            zip([d[5:] for d in usage["days"]], usage["metrics"]["logins"], strict=True)
        )

        # Override history: who by name, what, why, until when, newest first.
        _, overrides = await pipeline.get("health", f"/v1/accounts/{ACCOUNT}/health/overrides")
        newest_change = overrides["changes"][0]
        assert newest_change["reason"] == "renewal verbally agreed"
        assert newest_change["by"].startswith("console-csm")
        item = re.search(r'<li data-override="(\d+)">(.*?)</li>', shown, re.S)
        assert item and int(item.group(1)) == newest_change["id"]
        sentence = " ".join(re.sub(r"<[^>]+>", " ", item.group(2)).split())
        assert f"{newest_change['by']} set band yellow" in sentence, sentence
        assert (
            "renewal verbally agreed" in sentence and when(newest_change["expires_at"]) in sentence
        )


async def test_book_trend_is_the_trends_api(pipeline: Pipeline, database_url):
    async with signed_in(
        pipeline.url("console"), await token(pipeline, database_url, Role.CSM, OWNER)
    ) as http:
        book = await http.get("/", params={"name": ACCOUNT})
        assert book.status_code == 200
        _, trends = await pipeline.get("health", f"/v1/trends?account={ACCOUNT}&days=30")
        points = trends["accounts"][0]["points"]
        first, last = points[0], points[-1]
        label = (
            f"health score over 30 days: {score(first['score'])} on {first['day']}, "
            f"{score(last['score'])} on {last['day']}"
        )
        assert f'aria-label="{label}"' in html.unescape(book.text)
