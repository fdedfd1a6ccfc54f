"""The account page's and book's pure view logic: which points are compared, the moves
as shown, the merged timeline and its paging, and the charts drawn by radar_charts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from radar_console.domain.account import compared_points, moves_of, point_choices
from radar_console.domain.book import book_rows
from radar_console.domain.charts import score_svg, short_instant, trend_svg, usage_svg
from radar_console.domain.timeline import END, event_text, merge, opportunity_text

POINTS = [
    ("2026-10-01T00:00:00+00:00", 80.0),
    ("2026-10-20T00:00:00+00:00", 75.0),
    ("2026-11-03T00:00:00+00:00", 70.0),
    ("2026-11-10T00:00:00+00:00", 60.0),
    ("2026-12-04T12:00:00Z", 40.0),
]


def test_the_latest_point_is_compared_with_the_last_one_a_month_before():
    assert compared_points(POINTS, None, None) == ("2026-11-03T00:00:00+00:00", POINTS[-1][0])
    # Not a month of history: the first point.
    assert compared_points(POINTS[2:], None, None) == (POINTS[2][0], POINTS[-1][0])
    assert compared_points(POINTS[:1], None, None) is None


def test_picked_points_are_put_in_order():
    assert compared_points(POINTS, POINTS[4][0], POINTS[1][0]) == (POINTS[1][0], POINTS[4][0])
    assert compared_points(POINTS, POINTS[1][0], POINTS[1][0]) is None
    assert point_choices(POINTS, limit=2) == [POINTS[4], POINTS[3]]


def test_moves_read_from_the_health_answer_in_its_order():
    answer = {
        "moves": [
            {
                "measure": "satisfaction",
                "from_value": 9.0,
                "to_value": -50.0,
                "from_sub_score": 90.0,
                "to_sub_score": 25.0,
                "sub_score_change": -65.0,
                "from_explanation": "NPS 9",
                "to_explanation": "NPS -50",
                "from_missing": None,
                "to_missing": None,
            },
            {
                "measure": "support_load",
                "from_value": None,
                "to_value": 3.0,
                "from_sub_score": None,
                "to_sub_score": 40.0,
                "sub_score_change": None,
                "from_explanation": None,
                "to_explanation": "3 open tickets",
                "from_missing": "no tickets seen",
                "to_missing": None,
            },
        ]
    }
    first, second = moves_of(answer)
    assert (first.label, first.change, first.from_text) == (
        "Satisfaction (NPS, CSAT)",
        -65.0,
        "NPS 9",
    )
    assert (second.label, second.from_text, second.to_text) == (
        "Support load",
        "no data: no tickets seen",
        "3 open tickets",
    )


def health_event(at: str, kind: str, payload: dict, **extra) -> dict:
    return {"occurred_at": at, "type": kind, "payload": payload, "cursor": f"h-{at}", **extra}


def opportunity(at: str, amount: float = 250_000.0) -> dict:
    return {
        "occurred_at": at,
        "opportunity_id": "O-1",
        "subscription_id": "sub-1",
        "stage": "Negotiation",
        "forecast_category": "best_case",
        "close_date": "2027-01-31",
        "amount": amount,
        "currency": "EUR",
        "cursor": f"r-{at}",
    }


def test_events_read_as_sentences_naming_people_and_money_in_its_currency():
    nps = health_event(
        "t",
        "nps.submitted",
        {"contact_id": "c-1", "score": 2, "comment": "slow"},
        contact={"contact_id": "c-1", "name": "Ana Silva", "email": None},
    )
    assert event_text(nps) == ("NPS", "NPS 2 from Ana Silva — “slow”")
    unnamed = {**nps, "contact": {"contact_id": "c-9", "name": None, "email": None}}
    assert event_text(unnamed)[1].startswith("NPS 2 from contact c-9")
    sub = health_event(
        "t",
        "subscription.upserted",
        {
            "subscription_id": "sub-1",
            "plan": "Enterprise",
            "seats": 40,
            "arr": 240000.0,
            "start_date": "2026-01-01",
            "end_date": "2027-01-01",
        },
        currency="EUR",
    )
    assert "€240,000 ARR" in event_text(sub)[1]
    ticket = health_event(
        "t",
        "ticket.opened",
        {"ticket_id": "T-9", "priority": "urgent", "status": "open", "escalated": True},
    )
    assert event_text(ticket) == ("Ticket", "Ticket T-9 opened (urgent priority, open, escalated)")
    assert "€250,000" in opportunity_text(opportunity("t"))


def test_the_merged_timeline_is_newest_first_and_pages_without_loss_or_repeat():
    health_all = [
        health_event(
            f"2026-12-0{day}T10:00:00Z", "csat.submitted", {"ticket_id": "T", "score": day}
        )
        for day in (9, 7, 5, 3, 1)
    ]
    renewals_all = [opportunity(f"2026-12-0{day}T10:00:00+00:00") for day in (8, 6, 2)]

    def page_of(items, cursor, size, key):
        start = (
            0 if not cursor else next(i for i, x in enumerate(items) if x["cursor"] == cursor) + 1
        )
        chunk = items[start : start + size]
        more = start + size < len(items)
        return {key: chunk, "next_cursor": chunk[-1]["cursor"] if more else None}

    seen: list[str] = []
    h, r = "", ""
    for _ in range(10):
        page = merge(
            None if h == END else page_of(health_all, h, 3, "events"),
            None if r == END else page_of(renewals_all, r, 3, "items"),
            h,
            r,
            3,
        )
        seen += [entry.at[:10] for entry in page.entries]
        h, r = page.health_cursor, page.renewals_cursor
        if not page.more:
            break
    assert seen == [f"2026-12-0{day}" for day in (9, 8, 7, 6, 5, 3, 2, 1)]


def test_charts_are_radar_charts_svg():
    score = ET.fromstring(score_svg(POINTS, (("green", 70.0), ("yellow", 40.0))))
    assert score.get("role") == "img"
    assert [el.get("data-value") for el in score.iter("{http://www.w3.org/2000/svg}circle")] == [
        "80",
        "75",
        "70",
        "60",
        "40",
    ]
    assert score_svg([], ()) == ""
    assert short_instant("2026-12-05T00:00:00Z") == "12-05"
    assert short_instant("2026-12-05T07:22:10.5+00:00") == "12-05 07:22"
    usage = {"days": ["2026-12-01", "2026-12-02"], "metrics": {"logins": [3.0, 0.0]}}
    assert ET.fromstring(usage_svg(usage)).get("role") == "img"
    assert usage_svg({"days": ["2026-12-01"], "metrics": {"logins": [0.0]}}) == ""
    trend = trend_svg([{"day": "2026-11-05", "score": 72.0}, {"day": "2026-12-04", "score": 41.0}])
    assert "72 on 2026-11-05, 41 on 2026-12-04" in ET.fromstring(trend).get("aria-label")
    assert trend_svg([{"day": "2026-12-04", "score": 41.0}]) == ""


def test_book_rows_carry_their_trend():
    accounts = [{"account_id": "a"}, {"account_id": "b"}]
    rows = book_rows(accounts, {}, {}, {"a": "<svg/>"})
    assert [row.trend for row in rows] == ["<svg/>", ""]


def test_every_template_compiles():
    from radar_console.web.templating import TEMPLATES

    names = TEMPLATES.env.list_templates()
    assert "account.html" in names
    for name in names:
        TEMPLATES.env.get_template(name)
