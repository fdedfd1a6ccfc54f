"""Time passing under the runtime scheduler: window marks, overdue, then churned."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from renewals_support import account, at, health, opportunity, running_service, subscription

from radar_schemas import AlertRaisedEvent

pytestmark = pytest.mark.integration

END = date(2026, 3, 31)


def kinds(alerts: list) -> list[tuple[str, str]]:
    return [
        ("raised" if isinstance(a, AlertRaisedEvent) else "resolved", a.payload.dedup_key)
        for a in alerts
    ]


async def test_an_unbooked_term_goes_overdue_then_churns_as_the_clock_moves(
    kafka_bootstrap, database_url
):
    start = END - timedelta(days=100)  # in the window, not yet at the prepare mark
    facts = [
        account("acct-late", at(date(2025, 1, 1))),
        subscription(
            "acct-late", "sub-late", at(date(2025, 4, 1)), start=date(2025, 4, 1), end=END
        ),
        health("acct-late", at(start - timedelta(days=1)), score=80.0, band="green"),
        opportunity(
            "acct-late",
            "sub-late",
            at(start - timedelta(days=1)),
            stage="Negotiation",
            category="commit",
            close=END,
        ),
    ]
    async with running_service(kafka_bootstrap, database_url, at(start)) as service:
        await service.publish(facts)
        await service.wait_processed(facts)

        async def state() -> str:
            return (await service.get("/v1/renewals/sub-late"))["current"]["state"]

        assert await state() == "in_window"

        assert "renewal-transitions" in await service.advance_to(END - timedelta(days=90))
        assert await state() == "in_window"
        await service.advance_to(END - timedelta(days=30))
        await service.advance_to(END)
        assert await state() == "in_window"  # the end date itself is still in the window
        await service.advance_to(END + timedelta(days=1))
        assert await state() == "overdue"
        await service.advance_to(END + timedelta(days=90))
        assert await state() == "overdue"  # the last day of the tolerance
        await service.advance_to(END + timedelta(days=91))
        assert await state() == "churned"

        # Nothing is due twice on the same day.
        assert await service.advance_to(END + timedelta(days=91)) == []

        changes = await service.state_changes(expect=3)
        assert [(c.payload.previous_state, c.payload.state) for c in changes] == [
            (None, "in_window"),
            ("in_window", "overdue"),
            ("overdue", "churned"),
        ]
        assert changes[1].occurred_at == at(END + timedelta(days=1))
        assert changes[1].payload.days_to_renewal == -1

        alerts = await service.alerts(expect=7)
        key = "sub-late:2026-03-31"
        assert kinds(alerts) == [
            ("raised", f"renewal.window_opened:{key}:prepare"),
            ("raised", f"renewal.window_opened:{key}:sign"),
            ("resolved", f"renewal.window_opened:{key}:prepare"),
            ("raised", f"renewal.overdue:{key}"),
            ("raised", f"renewal.churned:{key}"),
            ("resolved", f"renewal.window_opened:{key}:sign"),
            ("resolved", f"renewal.overdue:{key}"),
        ]
        overdue = alerts[3].payload
        assert overdue.severity == "critical"
        assert overdue.recommended_actions[0] == "escalate to the renewal manager today"
        churned = alerts[4].payload
        assert churned.severity == "info"
        assert "not booked within 90 days" in churned.summary

        # News about the account's health later changes nothing about the churned term.
        later = [health("acct-late", at(END + timedelta(days=92)), score=10.0, band="red")]
        await service.publish(later)
        await service.wait_processed(later)

        detail = await service.get("/v1/renewals/sub-late")
        assert [(h["previous_state"], h["state"]) for h in detail["history"]] == [
            (None, "in_window"),
            ("in_window", "overdue"),
            ("overdue", "churned"),
        ]
        assert [a["rule"] for a in detail["active_alerts"]] == ["renewal.churned"]
        assert detail["history_next_before"] is None  # all of it fits the detail

        # The history page by page, newest first, until it says there is no more.
        pages, before = [], None
        while True:
            params = {"limit": 2} if before is None else {"limit": 2, "before": before}
            page = await service.get("/v1/renewals/sub-late/history", **params)
            pages.append(page["items"])
            before = page["next_before"]
            if before is None:
                break
        assert [len(items) for items in pages] == [2, 1]
        assert [h for items in pages for h in items] == detail["history"][::-1]
        missing = await service.http.get("/v1/renewals/sub-none/history")
        assert missing.status_code == 404


async def test_the_enterprise_segment_opens_its_window_earlier(
    kafka_bootstrap, database_url, tmp_path
):
    rules = tmp_path / "renewals.toml"
    rules.write_text("[timing.segments.enterprise]\nwindow_days = 180\n")
    today = END - timedelta(days=150)
    facts = [
        account("acct-ent", at(date(2025, 1, 1)), segment="enterprise"),
        account("acct-smb", at(date(2025, 1, 1)), segment="smb"),
        subscription("acct-ent", "sub-ent", at(date(2025, 4, 1)), start=date(2025, 4, 1), end=END),
        subscription("acct-smb", "sub-smb", at(date(2025, 4, 1)), start=date(2025, 4, 1), end=END),
    ]
    async with running_service(
        kafka_bootstrap, database_url, at(today), rules_path=rules
    ) as service:
        await service.publish(facts)
        await service.wait_processed(facts)
        listed = await service.get("/v1/renewals")
        states = {item["subscription_id"]: item["state"] for item in listed["items"]}
        assert states == {"sub-ent": "in_window", "sub-smb": "upcoming"}
