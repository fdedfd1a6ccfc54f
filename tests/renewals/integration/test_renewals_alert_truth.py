"""Open renewal alerts agree with the renewals they are about, whatever the delivery.

Simulated CRM histories (several seeds) arrive shuffled, partly twice and partly resent
under new ids; the service is then moved on in time, restarted and fed the whole history
again. At each step: every open alert holds for its term's state, risk and dates; the
report counts exactly the open renewal.at_risk alerts; and the emitted alert events,
folded as a consumer ordering them by time does, leave open exactly the alerts the
service holds open, none stamped before its condition could hold.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from renewals_simulated import as_delivered, health_scores, simulated_crm
from renewals_support import Service, at, running_service
from sqlalchemy import select

from radar_renewals.domain.terms import OPEN_STATES
from radar_renewals.rules import read_rules
from radar_runtime.db import outbox
from radar_schemas import codec
from radar_schemas.topics import ALERTS

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(300)]

END = date(2026, 6, 1)
RULES = read_rules()
OPEN = {state.value for state in OPEN_STATES}
HELD_FROM = RULES.risk.bands.high - RULES.alerts.at_risk_hysteresis_points


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_open_alerts_agree_with_their_renewals(kafka_bootstrap, database_url, seed):
    tag = f"s{seed}{uuid.uuid4().hex[:6]}"
    rng = random.Random(seed)
    crm = simulated_crm(tag, seed=seed, accounts=30, days=365, end=END)
    history = crm + health_scores(crm, rng, per_account=8, now=at(END))
    async with running_service(kafka_bootstrap, database_url, at(END)) as service:
        delivered = as_delivered(history, rng)
        await service.publish(delivered)
        await service.wait_processed(delivered)
        first = await check_agreement(service, END)
        assert first["renewal.at_risk"], "the history should put some renewals at risk"

        later = END + timedelta(days=40)
        await service.advance_to(later)
        await check_agreement(service, later)
        settings = service.settings

    async with running_service(
        kafka_bootstrap, database_url, at(later), settings=settings
    ) as again:
        before = await open_alerts(again)
        replayed = as_delivered(history, rng)
        await again.publish(replayed)
        await again.wait_processed(replayed)
        assert await open_alerts(again) == before  # a restart and a replay change nothing
        await check_agreement(again, later)
        currency = {
            e.payload.subscription_id: e.payload.currency
            for e in crm
            if e.type == "subscription.upserted"
        }
        await check_emitted(again, currency)


async def check_agreement(service: Service, today: date) -> dict[str, int]:
    """Every open alert holds for its term; the report counts the at-risk ones."""
    terms, alerts = await renewals(service)
    by_rule: dict[str, int] = {}
    for alert in alerts:
        rule, subscription_id, end, *mark = alert["dedup_key"].split(":")
        term = terms[(subscription_id, end)]
        days_left = (date.fromisoformat(end) - today).days
        where = f"{alert['dedup_key']} on {today}: {term['state']}, risk {term['risk_score']}"
        if rule == "renewal.churned":
            assert term["state"] == "churned", where
        else:
            assert term["state"] in OPEN, where
        if rule == "renewal.at_risk":
            assert term["risk_score"] >= HELD_FROM and days_left <= 120, where
        if rule == "renewal.overdue":
            assert term["state"] == "overdue" and days_left < 0, where
        if rule == "renewal.window_opened":
            assert days_left <= (30 if mark == ["sign"] else 90), where
        by_rule[rule] = by_rule.get(rule, 0) + 1
    at_risk = by_rule.get("renewal.at_risk", 0)
    span = {
        "from": (today - timedelta(days=500)).isoformat(),
        "to": (today + timedelta(days=500)).isoformat(),
    }
    forecast = await service.get("/v1/forecast", **span)
    assert sum(total["at_risk"]["count"] for total in forecast["totals"]) == at_risk
    report = await service.http.get("/v1/reports/renewals", params=span)
    assert re.search(rf"{at_risk} open, at risk", report.text), "the report's at-risk tile"
    return by_rule


async def renewals(service: Service) -> tuple[dict[tuple[str, str], Any], list[Any]]:
    """Every term (by subscription and renewal date) and every open alert, from the API."""
    terms: dict[tuple[str, str], Any] = {}
    offset: int | None = 0
    while offset is not None:
        page = await service.get("/v1/renewals", limit=500, offset=offset)
        for term in page["items"]:
            terms[(term["subscription_id"], term["renewal_date"])] = term
        offset = page["next_offset"]
    alerts = []
    for subscription_id in sorted({key[0] for key in terms}):
        detail = await service.get(f"/v1/renewals/{subscription_id}")
        alerts += detail["active_alerts"]
    return terms, alerts


async def open_alerts(service: Service) -> set[str]:
    return {alert["dedup_key"] for alert in (await renewals(service))[1]}


async def check_emitted(service: Service, currency: dict[str, str]) -> None:
    """Fold the alert events as a consumer does: per dedup key, the newest event wins and
    a resolve older than the latest raise is stale. What stays open must be what the
    service holds open, and nothing may be stamped before its condition could hold."""
    events = await emitted_alerts(service)
    state: dict[str, tuple[datetime, bool, Any]] = {}
    for event in events:
        alert = event.payload
        raised = event.type == "alert.raised"
        assert event.occurred_at >= earliest(alert.dedup_key, alert.rule), alert.dedup_key
        assert alert.currency == currency[alert.subscription_id], alert.dedup_key
        assert f"{alert.currency} " in alert.title + alert.summary
        assert alert.risk_score is not None
        known = state.get(alert.dedup_key)
        if (
            known is None
            or event.occurred_at > known[0]
            or (event.occurred_at == known[0] and not raised)
        ):
            state[alert.dedup_key] = (event.occurred_at, raised, alert)
        elif known[1] and not raised:
            raise AssertionError(f"{alert.dedup_key}: resolved before it was raised")
    still_open = {key: alert for key, (_, raised, alert) in state.items() if raised}
    assert set(still_open) == await open_alerts(service)
    for alert in still_open.values():  # raised before the account was known, shown again
        assert alert.account_name and alert.owner and alert.account_name in alert.title


def earliest(dedup_key: str, rule: str) -> datetime:
    _, _, end, *mark = dedup_key.split(":")
    due = date.fromisoformat(end)
    first_day = {
        "renewal.overdue": due + timedelta(days=1),
        "renewal.at_risk": due - timedelta(days=120),
        "renewal.window_opened": due - timedelta(days=30 if mark == ["sign"] else 90),
    }.get(rule, date.min)
    return datetime.combine(first_day, time(), UTC)


async def emitted_alerts(service: Service) -> list[Any]:
    db = service.runtime.db
    assert db is not None
    async with db.sessions() as session:
        rows = await session.execute(
            select(outbox.c.value)
            .where(outbox.c.topic == service.settings.topic(ALERTS))
            .order_by(outbox.c.id)
        )
        return [codec.decode(value) for value in rows.scalars()]
