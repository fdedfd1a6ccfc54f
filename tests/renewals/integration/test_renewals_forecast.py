"""Forecast, KPIs and the renewals list through the API, on a hand-computed example and
against the pure domain functions over the same terms."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from renewals_stories import random_story
from renewals_support import (
    account,
    at,
    booking,
    cancellation,
    running_service,
    subscription,
)
from sqlalchemy import text

from radar_renewals.api.models import forecast_view, kpi_view
from radar_renewals.domain.chain import derive_terms
from radar_renewals.domain.forecast import forecast
from radar_renewals.domain.kpis import kpis
from radar_renewals.rules import read_rules
from radar_renewals.store.facts import load_facts

pytestmark = pytest.mark.integration

TODAY = date(2026, 5, 15)
APRIL = {"from": "2026-04-01", "to": "2026-04-30"}


def april_terms() -> list:
    """Five terms due in April 2026: early, on time, late, churned, overdue."""
    start = date(2025, 4, 1)
    events = [
        account("acct-s", at(start), name="Small Co", segment="smb", owner="sam@example.com"),
        account("acct-e", at(start), name="Big Co", segment="enterprise", owner="eve@example.com"),
    ]
    rows = [
        ("acct-s", "sub-a", date(2026, 4, 10), 100_000, date(2026, 3, 1), 120_000),  # early
        ("acct-s", "sub-b", date(2026, 4, 20), 100_000, date(2026, 4, 25), 80_000),  # on time
        ("acct-e", "sub-c", date(2026, 4, 5), 50_000, date(2026, 4, 30), 50_000),  # late
        ("acct-e", "sub-d", date(2026, 4, 15), 50_000, None, None),  # cancelled
        ("acct-e", "sub-e", date(2026, 4, 30), 40_000, None, None),  # overdue
    ]
    for acct, sub, end, arr, booked, new_arr in rows:
        events.append(subscription(acct, sub, at(start), start=start, end=end, arr=arr))
        if booked is not None:
            events.append(
                booking(
                    acct,
                    sub,
                    at(booked),
                    booked=booked,
                    new_arr=new_arr,
                    new_end=end + timedelta(days=365),
                )
            )
    events.append(
        cancellation("acct-e", "sub-d", at(date(2026, 3, 1)), effective=date(2026, 4, 15))
    )
    return events


async def test_kpis_and_forecast_on_a_hand_computed_month(kafka_bootstrap, database_url):
    events = april_terms()
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)

        (row,) = (await service.get("/v1/kpis", **APRIL))["rows"]
        assert row["due_count"] == 5
        assert row["resolved_count"] == 4
        assert row["open"] == {"count": 1, "arr": 40_000.0}
        assert row["on_time_rate"] == {"value": 0.5, "numerator": 2, "denominator": 4}
        assert row["early_rate"]["value"] == 0.25
        assert row["late_rate"]["value"] == 0.25
        assert row["logo_retention"] == {"value": 0.75, "numerator": 3, "denominator": 4}
        # GRR = (300k − 20k contraction − 50k churn) / 300k; NRR adds the 20k expansion.
        assert row["grr"] == {
            "value": 0.7667,
            "start_arr": 300_000.0,
            "contraction_arr": 20_000.0,
            "churned_arr": 50_000.0,
        }
        assert row["nrr"]["value"] == 0.8333
        assert row["nrr"]["expansion_arr"] == 20_000.0

        by_segment = (await service.get("/v1/kpis", **APRIL, by="segment"))["rows"]
        assert [(r["group"], r["due_count"], r["on_time_rate"]["value"]) for r in by_segment] == [
            ("enterprise", 3, 0.0),
            ("smb", 2, 1.0),
        ]

        body = await service.get("/v1/forecast", **APRIL, period="month")
        (april,) = body["rows"]
        assert april["due"] == {"count": 5, "arr": 340_000.0}
        assert april["booked"] == {"count": 3, "arr": 250_000.0}
        assert april["churned"] == {"count": 1, "arr": 50_000.0}
        assert april["open"] == {"count": 1, "arr": 40_000.0}
        overdue = (await service.get("/v1/renewals/sub-e"))["current"]
        assert overdue["state"] == "overdue"
        assert april["expected_arr"] == pytest.approx(250_000.0 + overdue["expected_arr"])
        assert april["states"]["renewed_late"] == 1

        ahead = await service.get("/v1/forecast")  # no range: this month and the next 11
        assert [r["period"] for r in ahead["rows"]][::11] == ["2026-05", "2027-04"]
        back = await service.get("/v1/kpis")  # no range: the last 12 months
        assert (back["from"], back["to"]) == ("2025-06-01", "2026-05-31")
        assert back["rows"][0]["due_count"] == 5

        response = await service.http.get(
            "/v1/forecast", params={**APRIL, "period": "month", "by": "owner", "format": "csv"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        table = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["group"], r["due_count"], r["due_arr"]) for r in table] == [
            ("eve@example.com", "3", "140000.00"),
            ("sam@example.com", "2", "200000.00"),
        ]


async def test_amounts_are_totalled_per_currency_or_converted_by_the_rule_file(
    kafka_bootstrap, database_url, tmp_path
):
    start, end = date(2025, 4, 1), date(2026, 4, 10)
    events = [
        account("acct-x", at(start), name="Euro Co"),
        subscription("acct-x", "sub-eur", at(start), start=start, end=end, arr=100_000),
        subscription(
            "acct-x", "sub-usd", at(start), start=start, end=end, arr=50_000, currency="USD"
        ),
    ]
    rules = tmp_path / "renewals.toml"
    rules.write_text('[currency]\nreporting = "USD"\n[currency.rates]\nEUR = 1.1\n')
    for rules_path, converted in ((None, None), (rules, 160_000.0)):
        overrides = {"rules_path": rules_path} if rules_path else {}
        async with running_service(
            kafka_bootstrap, database_url, at(TODAY), **overrides
        ) as service:
            await service.publish(events)
            await service.wait_processed(events)
            body = await service.get("/v1/forecast", **APRIL)
            assert body["currencies"] == ["EUR", "USD"]
            assert [(r["currency"], r["due"]["arr"]) for r in body["rows"]] == [
                ("EUR", 100_000.0),
                ("USD", 50_000.0),
            ]
            assert [(t["currency"], t["due"]["count"]) for t in body["totals"]] == [
                ("EUR", 1),
                ("USD", 1),
            ]
            kpis = await service.get("/v1/kpis", **APRIL)
            assert [r["currency"] for r in kpis["rows"]] == ["EUR", "USD"]
            if converted is None:
                assert body["reporting"] is None and kpis["reporting"] is None
                continue
            reporting = body["reporting"]
            assert (reporting["currency"], reporting["rates"]) == ("USD", {"EUR": 1.1})
            assert reporting["totals"]["due"] == {"count": 2, "arr": converted}
            assert kpis["reporting"]["rows"][0]["open"]["arr"] == converted


async def test_renewals_list_filters_pages_and_rejects_bad_input(kafka_bootstrap, database_url):
    events = april_terms()
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)

        page = await service.get(
            "/v1/renewals", due_from="2026-04-01", due_to="2026-04-30", limit=2
        )
        assert [i["subscription_id"] for i in page["items"]] == ["sub-c", "sub-a"]
        assert (page["total"], page["next_offset"]) == (5, 2)
        last = await service.get(
            "/v1/renewals", due_from="2026-04-01", due_to="2026-04-30", limit=2, offset=4
        )
        assert [i["subscription_id"] for i in last["items"]] == ["sub-e"]
        assert last["next_offset"] is None

        picked = await service.http.get(
            "/v1/renewals", params=[("state", "overdue"), ("state", "churned")]
        )
        assert {i["subscription_id"] for i in picked.json()["items"]} == {"sub-d", "sub-e"}
        mine = await service.get("/v1/renewals", owner="SAM@example.com", due_to="2026-12-31")
        assert {i["subscription_id"] for i in mine["items"]} == {"sub-a", "sub-b"}

        for path, params in [
            ("/v1/renewals", {"state": "lost"}),
            ("/v1/forecast", {"from": "2026-05-01", "to": "2026-04-01"}),
            ("/v1/forecast", {"from": "2026-13-01"}),
            ("/v1/reports/renewals", {"from": "0.0"}),  # not read as a Unix time
            ("/v1/renewals", {"due_to": "1767225600"}),
            ("/v1/kpis", {"from": "2026-04-01", "to": "2026-04-30", "by": "colour"}),
        ]:
            response = await service.http.get(path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["error"]["details"][0]["field"].startswith("query.")
        assert (await service.http.get("/v1/renewals/nope")).status_code == 404


async def test_sql_aggregates_equal_the_domain_over_the_same_terms(kafka_bootstrap, database_url):
    """Summed from the term totals and their pending changes (before and after a fold,
    and after a second story rewrote and moved terms) or, by owner, from the terms."""
    rules = read_rules()
    # Folded only here, when the test says so.
    folds = {"totals_fold_seconds": 3600}
    async with running_service(kafka_bootstrap, database_url, at(TODAY), **folds) as service:
        for seed in (7, 8):
            events = random_story(seed=seed, count=90, today=TODAY)
            await service.publish(events)
            await service.wait_processed(events)
            await _assert_sql_agrees_with_the_domain(service, rules)
            assert await service.parts.totals.fold() > 0
            assert await service.parts.totals.fold() == 0  # nothing left pending
            await _assert_sql_agrees_with_the_domain(service, rules)
        db = service.runtime.db
        assert db is not None
        async with db.sessions() as session, session.begin():
            await session.execute(text("TRUNCATE terms"))
        body = await service.get("/v1/kpis", **{"from": "2025-09-01", "to": "2027-04-30"})
        assert [row["due_count"] for row in body["rows"]] == [0]  # the totals went too


async def _assert_sql_agrees_with_the_domain(service, rules) -> None:
    db = service.runtime.db
    assert db is not None
    async with db.sessions() as session:
        facts = await load_facts(session, [f"sub-{i}" for i in range(90)])
    terms = [
        term
        for sub in facts.subscriptions.values()
        for term in derive_terms(sub, facts.account_of(sub))
    ]
    assert len(terms) > 90
    start, end = date(2025, 9, 1), date(2027, 4, 30)
    for period in ("month", "quarter"):
        for by in (None, "segment", "region", "owner"):
            params = {"from": start.isoformat(), "to": end.isoformat(), "period": period}
            if by:
                params["by"] = by
            body = await service.get("/v1/forecast", **params)
            expected = forecast(terms, TODAY, rules, start=start, end=end, period=period, by=by)
            assert body["rows"] == [forecast_view(row) for row in expected], (period, by)
    for by in (None, "segment", "region", "owner"):
        params = {"from": start.isoformat(), "to": end.isoformat()}
        if by:
            params["by"] = by
        body = await service.get("/v1/kpis", **params)
        expected_kpis = kpis(terms, TODAY, rules, start=start, end=end, by=by)
        assert body["rows"] == [kpi_view(row) for row in expected_kpis], by
